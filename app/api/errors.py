"""JSON errors for /api/*: every failure has {"ok": false, "error", "message", "fields"?, "localized"?}.

`message` and `fields` are English whoever asks (integrators match on them). For a visitor whose language
is not English, `localized` repeats them in that language ({"message", "fields"?}): what the page scripts
show. Both come from the one message the domain raised (`i18n._l`), so a new message needs no second text.

Pages outside /api/ get the public surface's HTML error page (`public.errors.error_page`), handed
in by the factory, so this module holds no HTML."""
from __future__ import annotations

from collections.abc import Callable

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, Unauthorized

from app.common import i18n, outages
from app.common.errors import ServiceError

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "server_error",
    503: "unavailable",
}


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   headers: dict | None = None, extra: dict | None = None):
    body = {"ok": False, "error": code, "message": str(message)}
    if fields:
        body["fields"] = {name: str(text) for name, text in fields.items()}
    body.update(extra or {})
    localized = _localized(message, fields)
    if localized:
        body["localized"] = localized
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _localized(message, fields: dict | None) -> dict | None:
    """The error in the visitor's language, or None for an English visitor (nothing to add)."""
    if i18n.visitor_locale() == i18n.DEFAULT:
        return None
    localized = {"message": i18n.in_visitor_language(message)}
    if fields:
        localized["fields"] = {name: i18n.in_visitor_language(text) for name, text in fields.items()}
    return localized


def register_error_handlers(app, page: Callable[[int, str], tuple]) -> None:
    """`page(status, message)` renders the HTML error page for requests outside /api/."""

    def is_api() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        if is_api():
            return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers, exc.extra)
        return page(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        # The CSRF check runs before any view; a signed-out caller is told to sign in (401), which is
        # what it needs to hear, rather than about tokens. Either way the request changed nothing.
        if is_api() and not current_user.is_authenticated:
            return error_response(401, "unauthorized", _message(Unauthorized()))
        if is_api():
            return error_response(400, "csrf_failed",
                                  _l("Missing or invalid CSRF token. Send it in the X-CSRFToken header."))
        message = "Your form expired. Go back, reload and try again."
        return page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not is_api():
            if exc.code in (403, 404, 405, 410, 413, 429):
                return page(exc.code, exc.description)
            return exc
        code = exc.code or 500
        response = error_response(code, CODES.get(code, "error"), _message(exc))
        if code == 429:
            # Flask-Limiter attaches Retry-After to its own response; keep it.
            original = exc.get_response()
            retry = original.headers.get("Retry-After") or "60"
            response.headers["Retry-After"] = retry
        if code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        down = outages.unavailable_dependency(exc)
        if down:
            return _unavailable(down, exc, page)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if is_api():
            return error_response(500, "server_error",
                                  _l("Something went wrong on our side. It has been logged."))
        return page(500, "Something went wrong on our side.")


def _unavailable(down: outages.Down, exc: Exception, page: Callable[[int, str], tuple]):
    """A dependency is away: say so with a 503 and when to retry, not a 500 (one warning, no traceback)."""
    from flask import current_app

    outages.forget_broken_session()
    current_app.logger.warning("%s unavailable on %s %s: %s", down.name, request.method, request.path,
                               str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
    headers = {"Retry-After": str(down.retry_after)}
    if request.path.startswith("/api/"):
        return error_response(503, down.code, down.message, headers=headers)
    body, status = page(503, down.message)
    return body, status, headers


def _message(exc: HTTPException) -> str:
    messages = {
        401: _l("Sign in first."),
        403: _l("You are not allowed to do that."),
        404: _l("Not found."),
        405: _l("Method not allowed."),
        413: _l("Request body too large."),
        429: _l("Too many requests. Slow down and try again later."),
    }
    return messages.get(exc.code, exc.description or exc.name)
