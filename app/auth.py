"""Authentication and authorization: the one choke point for every surface.

JSON callers (/api/*) get 401/403 JSON; HTML callers are sent to /signin?next=… or get a 403 page.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import DBAPIError

from app.extensions import db, login_manager
from app.models import User
from app.services import audit


def wants_json() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    except DBAPIError:  # database down: pages that can work without it (/status) serve signed out
        db.session.rollback()
        return None


def deny():
    """The one answer to "not signed in / not allowed" on every surface: a JSON 401/403 under /api/,
    else a redirect to sign-in for a stranger and a 403 page for a signed-in non-admin."""
    if not current_user.is_authenticated:
        if wants_json():
            abort(401)
        return redirect(signin_url())
    abort(403)


@login_manager.unauthorized_handler
def unauthorized():
    return deny()


def signin_url() -> str:
    return url_for("public.signin", next=request.full_path.rstrip("?"))


def is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return deny()
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_admin():
            return deny()
        return view(*args, **kwargs)
    return wrapper


def sign_in(user: User) -> None:
    login_user(user)
    audit.record("auth.login", actor_id=user.id, target_user_id=user.id, target_type="user",
                 target_id=user.id, commit=True)


def sign_out() -> None:
    if current_user.is_authenticated:
        audit.record("auth.logout", actor_id=current_user.id, target_user_id=current_user.id,
                     target_type="user", target_id=current_user.id, commit=True)
    logout_user()


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
