from flask import Blueprint, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.accounts import login_throttle, users
from app.api import json_body
from app.auth import login_required, sign_in, sign_out
from app.common import inputs
from app.common.errors import ValidationFailed
from app.extensions import csrf

bp = Blueprint("api_auth", __name__, url_prefix="/api/auth")


# Login is CSRF-exempt (there is no session to ride yet); it only accepts JSON, which a cross-site
# form cannot send without a CORS preflight, and SameSite=Lax keeps the cookie off cross-site POSTs.
@bp.post("/login")
@csrf.exempt
def login():
    data = json_body()
    user = login_throttle.attempt(inputs.text_field(data, "email", 320),
                                  inputs.text_field(data, "password", 1024, strip=False), request.remote_addr,
                                  request.cookies.get(login_throttle.DEVICE_COOKIE))
    sign_in(user)
    return jsonify(ok=True, user=users.user_json(user), csrf_token=generate_csrf())


@bp.post("/logout")
def logout():
    sign_out()
    return jsonify(ok=True)


@bp.get("/me")
@login_required
def me():
    return jsonify(ok=True, user=users.user_json(current_user), csrf_token=generate_csrf())


@bp.patch("/me")
@login_required
def update_me():
    """{locale: "en" | "de"}: the language of the user's pages and mails (422 for anything else)."""
    data = json_body()
    unknown = sorted(set(data) - {"locale"})
    if unknown or "locale" not in data:
        raise ValidationFailed("Send {\"locale\": \"en\" | \"de\"}.",
                               fields={name: "Unknown field." for name in unknown} or {"locale": "Required."})
    users.set_locale(current_user, data["locale"])
    return jsonify(ok=True, user=users.user_json(current_user))


@bp.get("/csrf")
def csrf_token():
    return jsonify(ok=True, csrf_token=generate_csrf())
