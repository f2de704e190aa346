"""POST /language: the language selector on every public page (a form, no JS needed; CSRF-checked by the
global CSRFProtect). A visitor's choice lives in a cookie; a signed-in user's is saved on the account."""
from flask import redirect, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts import users
from app.auth import safe_next
from app.common import i18n
from app.common.errors import ValidationFailed
from public import bp

YEAR = 365 * 24 * 3600


@bp.post("/language")
def language():
    chosen = request.form.get("locale")
    if chosen not in i18n.LOCALES:
        raise ValidationFailed(_l("Unknown language."), fields={"locale": _l("One of: %(choices)s.",
                                                                            choices=", ".join(i18n.LOCALES))})
    if current_user.is_authenticated:
        users.set_locale(current_user, chosen)
    response = redirect(safe_next(request.form.get("next"), "/"))
    response.set_cookie(i18n.COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
