"""The app's Redis client: status live state, the status cache, the check spool, the dashboard and
the job queues all share it.

A real Redis for REDIS_URL, or (embedded mode) an in-process fake Redis private to this app. Created on
first use, never at import or in create_app, so building an app opens nothing. The app owns it, like
microblog's `app.redis`.
"""
from __future__ import annotations

from flask import current_app

_KEY = "levqor_redis"


def client(app=None):
    """This app's Redis connection (one per app, made on first use)."""
    app = app or current_app._get_current_object()
    ext = app.extensions
    if _KEY not in ext:
        if app.config.get("EMBEDDED_QUEUE"):
            import fakeredis

            ext[_KEY] = fakeredis.FakeStrictRedis(server=fakeredis.FakeServer())
        else:
            from redis import Redis

            ext[_KEY] = Redis.from_url(app.config["REDIS_URL"])
    return ext[_KEY]
