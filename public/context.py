"""Template globals every public page uses: the banner slot and the CSRF token."""
from flask_wtf.csrf import generate_csrf

from app.common import i18n
from app.common.money import format_amount
from app.status.incidents import active_banners


def register_context(app) -> None:
    # `{{ amount|money(currency) }}` in every template (public, admin, mail): one formatting for all.
    app.jinja_env.filters["money"] = format_amount
    # Dates and numbers for the language in force (app/common/i18n.py): `t|when`, `d|day("ymd")`, `x|number(1)`.
    app.jinja_env.filters["when"] = i18n.fmt_datetime
    app.jinja_env.filters["day"] = i18n.fmt_date
    app.jinja_env.filters["number"] = i18n.fmt_number
    app.jinja_env.filters["t"] = i18n.translate  # a computed word (status, component, message) translated

    @app.context_processor
    def inject():
        return {"banners": active_banners, "csrf_token": generate_csrf, "lang": i18n.current,
                "languages": i18n.NAMES}
