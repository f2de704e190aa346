"""Every request passes here before any view: the HTTP half of the strict input layer.

- JSON bodies are decoded by app.common.inputs.parse_json (size, depth, clean strings) whoever asks
  for them, so no view can get a RecursionError or a NUL byte out of `request.get_json()`.
- Query strings and form fields are checked for NUL, lone surrogates and runaway length.
- Oversized headers (a 100 KB X-CSRFToken) get a JSON 400 under /api/ instead of reaching the CSRF check.
- `<int:…>` URL parts stop at 2^31-1, the range of our id columns: a larger id is a plain 404.
"""
from __future__ import annotations

from flask import Flask, Request, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from app.common import inputs
from app.common.errors import ServiceError

MAX_HEADER_CHARS = 8192  # gunicorn's own default per header line; gunicorn.conf.py lets larger ones reach us
MAX_COOKIE_CHARS = 16384
MAX_CSRF_HEADER_CHARS = 512
CSRF_HEADERS = ("x-csrftoken", "x-csrf-token")
ADMIN_ID_PARAMS = ("id", "rowid")  # Flask-Admin's row ids (edit/details/delete: ?id=, actions: rowid=)
ADMIN_INT_ARGS = {"page": (0, 1_000_000), "page_size": (1, 1000), "sort": (0, 1000)}  # list views
_UNSET = object()


class StrictRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        """Strict decoding for JSON bodies; hostile bodies raise a 4xx even for `silent` callers."""
        if not (force or self.is_json):
            return super().get_json(force=force, silent=silent, cache=cache)
        parsed = self.__dict__.get("_levqor_json", _UNSET)
        if parsed is _UNSET:
            parsed = inputs.parse_json(self.get_data(cache=True))
            self.__dict__["_levqor_json"] = parsed
        return parsed


class IdConverter(IntegerConverter):
    """`<int:id>` that only matches what an `integer` column can hold."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", inputs.INT32_MAX)
        super().__init__(url_map, *args, **kwargs)


def install(app: Flask) -> None:
    """Call before any route is registered (converters bind when rules are added)."""
    app.request_class = StrictRequest
    app.url_map.converters["int"] = IdConverter


def register(app: Flask) -> None:
    app.before_request(guard_request)


def guard_request() -> None:
    for name, value in request.headers.items():
        limit = MAX_COOKIE_CHARS if name.lower() == "cookie" else MAX_HEADER_CHARS
        if name.lower() in CSRF_HEADERS and len(value) > MAX_CSRF_HEADER_CHARS:
            raise ServiceError(_l("Missing or invalid CSRF token. Send it in the X-CSRFToken header."),
                               code="csrf_failed", status=400)
        if len(value) > limit:
            raise ServiceError(_l("The %(name)s header is too large.", name=name), code="header_too_large", status=400)
    for name, value in request.args.items(multi=True):
        inputs.check_form_value(name, value)
    if request.path.startswith("/admin/"):
        _check_admin_ids(request.args)
        for name, (low, high) in ADMIN_INT_ARGS.items():
            value = request.args.get(name)
            if value is not None and inputs.parse_int(value, low, high) is None:
                raise ServiceError(f"{name} must be a whole number from {low} to {high}.", code="invalid",
                                   status=422, fields={name: f"A whole number from {low} to {high}."})
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, value in request.form.items(multi=True):
                inputs.check_form_value(name, value)
            if request.path.startswith("/admin/"):
                _check_admin_ids(request.form)
        elif request.is_json:
            # Decoded (and refused if hostile) before CSRF and the view. Every JSON endpoint takes an
            # object; HTML forms (Flask-WTF would read a JSON body as form data) take none at all.
            data = request.get_json()
            if not request.path.startswith("/api/") and data is not None:
                raise ServiceError(_l("This page takes form data, not JSON."), code="unsupported_media_type",
                                   status=415)
            if data is not None:
                inputs.json_object(data)


def _check_admin_ids(values) -> None:
    """Every id column is `integer`: a row id outside 1 … 2^31-1 (or not ASCII digits) names no row."""
    for name in ADMIN_ID_PARAMS:
        for value in values.getlist(name):
            if inputs.parse_id(value) is None:
                raise ServiceError("No such record.", code="not_found", status=404)
