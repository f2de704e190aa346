"""Authentication and authorization: the one choke point for every surface.

JSON callers (/api/*) get 401/403 JSON; HTML callers are sent to /signin?next=… or get a 403 page.
"""
from __future__ import annotations

import time
import unicodedata
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import DBAPIError

from app.accounts import users
from app.common import audit
from app.extensions import db, login_manager
from app.models import User

# Pages whose URL holds a secret (a download token): after sign-in the user is sent to this page
# instead, so the token never lands in ?next=, in the sign-in page's own URL or in its logs. The download
# keeps its token in the signed session cookie meanwhile and continues from there (public/dsar.py).
NEXT_INSTEAD = {"public.dsar_download": "/data-requests/download/continue"}
SIGNED_IN_AT = "signed_in_at"  # epoch seconds of the session's last password check (sign-in or confirmation)


def wants_json() -> bool:
    return request.path.startswith("/api/")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "<id>:<session version>" (User.get_id); a cookie minted before the user's
    last logout, password change or admin-rights change carries an old version and opens nothing."""
    raw_id, _, version = str(user_id).partition(":")
    try:
        user = db.session.get(User, int(raw_id))
        expected = int(version)
    except (TypeError, ValueError):
        return None
    except DBAPIError as exc:  # database down: pages that can work without it (/status) serve signed out
        db.session.rollback()
        g.user_lookup_failed = exc  # …and deny() answers 503, not "sign in", where a user is needed
        return None
    if user is None or user.session_version != expected:
        return None
    return user


def deny():
    """The one answer to "not signed in / not allowed" on every surface: a JSON 401/403 under /api/,
    else a redirect to sign-in for a stranger and a 403 page for a signed-in non-admin."""
    if not current_user.is_authenticated:
        failed = g.pop("user_lookup_failed", None)
        if failed is not None:
            raise failed  # the database is away, the session may be fine: a 503 (app/api/errors.py)
        if wants_json():
            abort(401)
        return redirect(signin_url())
    abort(403)


@login_manager.unauthorized_handler
def unauthorized():
    return deny()


def signin_url() -> str:
    target = NEXT_INSTEAD.get(request.endpoint) or request.full_path.rstrip("?")
    return url_for("public.signin", next=target)


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
    # A new CSRF token for the new session: one planted or read before sign-in is worth nothing after.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    login_user(user)
    session[SIGNED_IN_AT] = int(time.time())
    audit.record("auth.login", actor_id=user.id, target_user_id=user.id, target_type="user",
                 target_id=user.id, commit=True)


def confirmed_identity(user: User) -> None:
    """The signed-in user typed their password again (app/accounts/login_throttle.attempt checked it)."""
    session[SIGNED_IN_AT] = int(time.time())
    audit.record("auth.reauthenticated", actor_id=user.id, target_user_id=user.id, target_type="user",
                 target_id=user.id, commit=True)


def password_checked_within(minutes: int) -> bool:
    """Whether this session's password was checked in the last `minutes` (a session without the mark,
    from before it existed, counts as old)."""
    at = session.get(SIGNED_IN_AT)
    return isinstance(at, int) and 0 <= time.time() - at < minutes * 60


def sign_out() -> None:
    """Ends every session of the user, not just this cookie: copies of it stop working too."""
    if current_user.is_authenticated:
        users.end_sessions(current_user, action="auth.logout", actor_id=current_user.id)
    logout_user()


def safe_next(target: str | None, default: str = "/") -> str:
    r"""Only same-site paths: never an open redirect, never a header that cannot be sent.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example"
    or "/\evil.example" would become "//evil.example": refuse any whitespace or control character, any
    scheme or host, and a leading // or /\ (both read as //)."""
    if not target or len(target) > 2048 or not target.startswith("/"):
        return default
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return default
    if target.startswith(("//", "/\\")) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
