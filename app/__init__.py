"""The app factory. Nothing here connects to anything at import time."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from app.security import init_security


def create_app(config_object: str | type = "config.Config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None,
                instance_relative_config=False, template_folder="templates",
                static_folder="../public/static")
    if isinstance(config_object, str) and "." in config_object:
        module, _, name = config_object.rpartition(".")
        config_object = getattr(__import__(module, fromlist=[name]), name)
    from app import request_guard

    request_guard.install(app)  # before any route: bounded <int:…> ids, strict JSON bodies
    app.config.from_object(config_object)
    app.config.update(overrides)
    config_object.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:  # only then are X-Forwarded-* set by someone we trust (see README, Production)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    init_security(app)
    register_extensions(app)
    from app.api import ops

    ops.init_app(app)  # metrics, request ids and request log lines: first hook of every request
    register_blueprints(app)
    register_jobs(app)
    register_admin(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import (
        auth,  # noqa: F401  (user loader and unauthorized handler)
        models,  # noqa: F401  (every table on the metadata, for Alembic)
        request_guard,
    )
    from app.common import i18n
    from app.models.types import render_item

    db.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, default_translation_directories=str(
        i18n.compile_catalogues(Path(app.instance_path) / "translations")))
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True, render_item=render_item)
    login_manager.init_app(app)
    login_manager.login_view = "public.signin"
    limiter.init_app(app)  # before CSRF: a throttled client is refused before anything else runs
    request_guard.register(app)  # then hostile input is refused, before CSRF and every view
    csrf.init_app(app)
    mail.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.api import register_api
    from app.api.errors import register_error_handlers
    from public import register_public
    from public.errors import error_page

    @app.get("/healthz")
    def healthz():
        """For load balancers: no database, no Redis, nothing that can hang."""
        return jsonify(ok=True)

    register_api(app)
    register_public(app)
    register_error_handlers(app, page=error_page)


def register_jobs(app: Flask) -> None:
    import jobs

    jobs.init_app(app)


def register_admin(app: Flask) -> None:
    from admin_views import init_admin

    init_admin(app)


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
