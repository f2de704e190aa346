"""The HTML error page of the public surface (JSON errors under /api/ are app/api/errors.py's)."""
from flask import current_app, g, render_template


def error_page(status: int, message: str) -> tuple[str, int]:
    if status == 503:
        # A dependency is down: a standalone page that asks nobody (base.html loads the user and the
        # incident banners from the database).
        g._login_user = current_app.login_manager.anonymous_user()
        return render_template("unavailable.html", message=message), status
    return render_template("error.html", status=status, message=message), status
