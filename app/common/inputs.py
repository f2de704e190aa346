"""The one strict parser for what callers send: JSON bodies, form fields, numbers, dates and text.

Every surface (API, public forms, admin forms) goes through these functions, so hostile input is a
clear 4xx and never reaches the database as something it cannot store: PostgreSQL text cannot hold
NUL, UTF-8 cannot encode a lone surrogate, `integer` columns stop at 2^31-1, Python datetimes stop at
year 9999 and break on arithmetic near either end, and `str.isdigit()` accepts "²" and "٣".
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from app.common.errors import ServiceError, ValidationFailed

MAX_JSON_BYTES = 256 * 1024  # our largest JSON body is a claim description (5,000 characters)
MAX_JSON_DEPTH = 16
MAX_FIELD_CHARS = 20_000  # any single form/query value; each field has its own, smaller limit on top
INT32_MAX = 2**31 - 1  # the `integer` id columns
INT64_MAX = 2**63 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


class BadInput(ServiceError):
    status = 400
    code = "bad_request"


# --- bodies ---------------------------------------------------------------------------------------

def parse_json(raw: bytes) -> object:
    """Decode a JSON body strictly: bounded size and depth, no NaN/Infinity, clean strings."""
    if len(raw) > MAX_JSON_BYTES:
        raise ServiceError(_l("JSON bodies are limited to %(kb)s KB.", kb=MAX_JSON_BYTES // 1024), code="too_large",
                           status=413)
    if not raw.strip():
        return None
    # RFC 8259 §8.1: JSON between systems is UTF-8. json.loads would guess UTF-16/32 from the bytes, which
    # the byte-level depth count below cannot follow; NUL bytes mark UTF-16/32 without a byte-order mark.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise BadInput(_l("JSON bodies must be encoded as UTF-8."), code="malformed_json")
    depth = _max_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise BadInput(_l("JSON nested deeper than %(depth)s levels is not accepted.", depth=MAX_JSON_DEPTH),
                       code="too_deep")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BadInput(_l("The body is not valid JSON (UTF-8)."), code="malformed_json") from None
    check_clean(data)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _max_depth(raw: bytes) -> int:
    """Nesting depth counted on the bytes, before json.loads can recurse (skips string contents)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def check_clean(value, path: str = "body") -> None:
    """Refuse NUL characters, lone surrogates and integers no column can hold, anywhere in a value."""
    if isinstance(value, str):
        check_text(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > INT64_MAX:
            raise ValidationFailed(_l("Number out of range."), fields={path: _l("Number out of range.")})
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, path)
            check_clean(item, f"{path}.{key}" if path != "body" else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_clean(item, f"{path}[{index}]")


def check_text(value: str, field: str) -> None:
    if "\x00" in value:
        raise ValidationFailed(_l("Text cannot contain NUL characters."),
                               fields={field: _l("Contains a NUL character.")})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed(_l("Text must be valid Unicode (no lone surrogates)."),
                               fields={field: _l("Not valid Unicode.")}) from None


def check_form_value(name: str, value: str) -> None:
    check_text(value, name)
    if len(value) > MAX_FIELD_CHARS:
        raise ValidationFailed(_l("%(name)s is too long.", name=name),
                               fields={name: _l("At most %(count)s characters.", count=MAX_FIELD_CHARS)})


def json_object(data) -> dict:
    """The body must be one JSON object (not an array, string or number)."""
    if not isinstance(data, dict):
        raise BadInput(_l("Send a JSON object with Content-Type: application/json."))
    return data


# --- values ---------------------------------------------------------------------------------------

def parse_int(value, low: int = -INT64_MAX, high: int = INT64_MAX) -> int | None:
    """An integer in [low, high] from a JSON number or a string of ASCII digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= INT64_MAX:
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _ASCII_INT.fullmatch(text):
            return None
        value = int(text)
    if not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def parse_id(value) -> int | None:
    """A row id: 1 … 2^31-1, the range of our integer primary keys."""
    return parse_int(value, 1, INT32_MAX)


def parse_time(value, earliest: datetime = EARLIEST, latest: datetime = LATEST) -> datetime | None:
    """ISO 8601 date or datetime in UTC (naive taken as UTC) within sane bounds; None otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64 or not value.isascii():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if earliest <= parsed < latest else None


def text(value, max_chars: int, *, strip: bool = True) -> str:
    """A free-text field: a string (or nothing → ""), at most max_chars, checked clean by the caller."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(_l("Expected text."), fields={"_": _l("Expected text.")})
    value = value.strip() if strip else value
    if len(value) > max_chars:
        too_long = _l("At most %(count)s characters.", count=max_chars)
        raise ValidationFailed(too_long, fields={"_": too_long})
    return value


def text_field(data: dict, name: str, max_chars: int, *, strip: bool = True) -> str:
    """data[name] as bounded text; the error names the field."""
    try:
        return text(data.get(name), max_chars, strip=strip)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields={name: exc.fields["_"]}) from None
