"""Web concerns shared by the JSON API and the public pages (the domain's services return data)."""
from __future__ import annotations

import gzip
from collections.abc import Callable

from flask import Response, request

from app.status import cache


def cached_response(key: str, build: Callable[[], bytes | str], mimetype: str, headers: dict | None = None):
    """A Response with the cached bytes, gzip-compressed once (and cached) for clients that accept it."""
    body = cache.get_or_build(key, build)
    extra = dict(headers or {})
    extra["Vary"] = "Accept-Encoding, Accept-Language, Cookie"  # pages come in the visitor's language
    if "gzip" in request.headers.get("Accept-Encoding", "").lower() and len(body) > 1024:
        body = cache.get_or_build(key + ":gzip", lambda: gzip.compress(body, compresslevel=6, mtime=0))
        extra["Content-Encoding"] = "gzip"
    return Response(body, mimetype=mimetype, headers=extra)
