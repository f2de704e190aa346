"""The HTML error page of the public surface (JSON errors under /api/ are app/api/errors.py's)."""
from flask import render_template


def error_page(status: int, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, message=message), status
