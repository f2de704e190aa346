"""One redactor for secrets in free text and in structured values, used for every text field that
leaves in a data export (log lines, runs' errors, claim texts, audit details, export errors).

The text rules are plain regular expressions written in the subset that Python's `re` and
PostgreSQL's ARE read alike, so the database can apply the very same rules inside COPY (the fast
path for big tables) and Python applies them everywhere else (small tables, SQLite): one list, two
engines, one result.
"""
from __future__ import annotations

import re

from sqlalchemy import case, func, literal

REDACTED = "[redacted]"

# Keys (substrings, case-insensitive) whose values in a structured value (JSON) are secrets.
SECRET_KEY_PARTS = ("secret", "token", "password", "passwd", "api_key", "apikey", "credential", "private_key",
                    "authorization", "cookie", "client_secret")

_KEY = r"(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|cookie)"
# (pattern, replacement): groups kept with \1, \2 (the same syntax in both engines).
TEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}", r"\1 " + REDACTED),
    (_KEY + r"([\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+", r"\1\2" + REDACTED),
    (r"(://[^/\s:@]+:)[^@\s/]+@", r"\1" + REDACTED + "@"),
    (r"(sk|rk|pk|whsec)_(live|test)_[A-Za-z0-9]{8,}", REDACTED),
    (r"AKIA[0-9A-Z]{16}", REDACTED),
)
# One test of all rules first: most text holds no secret, and one match is far cheaper than five
# replacements (it keeps the COPY of a million log lines close to the speed of COPY itself).
ANY_RULE = "|".join(f"(?:{pattern})" for pattern, _ in TEXT_RULES)
_ANY = re.compile(ANY_RULE, re.IGNORECASE)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), r) for p, r in TEXT_RULES)


def redact_text(value: str | None) -> str | None:
    """Free text with every secret-looking value replaced."""
    if not value or not _ANY.search(value):
        return value
    for pattern, replacement in _COMPILED:
        value = pattern.sub(replacement, value)
    return value


def redact_sql(column):
    """redact_text() as a SQL expression (PostgreSQL's regexp_replace with the same rules)."""
    expr = column
    for pattern, replacement in TEXT_RULES:
        expr = func.regexp_replace(expr, literal(pattern), literal(replacement), literal("gi"))
    return case((column.op("~*")(literal(ANY_RULE)), expr), else_=column)


def redact(value):
    """A copy of a structured value: secret-looking keys' values replaced, strings run through redact_text."""
    if isinstance(value, dict):
        return {k: REDACTED if any(p in str(k).lower() for p in SECRET_KEY_PARTS) else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
