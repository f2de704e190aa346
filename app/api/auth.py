from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.api import json_body
from app.auth import login_required, sign_in, sign_out
from app.extensions import csrf, limiter
from app.services import inputs, users
from app.services.errors import ServiceError

bp = Blueprint("api_auth", __name__, url_prefix="/api/auth")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Login is CSRF-exempt (there is no session to ride yet); it only accepts JSON, which a cross-site
# form cannot send without a CORS preflight, and SameSite=Lax keeps the cookie off cross-site POSTs.
@bp.post("/login")
@csrf.exempt
@limiter.shared_limit(login_limit, scope="login")
def login():
    data = json_body()
    email = inputs.text_field(data, "email", 320)
    user = users.authenticate(email, inputs.text_field(data, "password", 1024, strip=False))
    if user is None:
        raise ServiceError("Email or password is incorrect.", code="invalid_credentials", status=401)
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


@bp.get("/csrf")
def csrf_token():
    return jsonify(ok=True, csrf_token=generate_csrf())
