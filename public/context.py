"""Template globals every public page uses: the banner slot and the CSRF token."""
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context

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
    # A computed word (status, component, message) translated. Context-bound so that Jinja never folds `"word"|t`
    # into the compiled template: it would keep the language of the first request that compiled it.
    app.jinja_env.filters["t"] = pass_context(lambda _context, value: i18n.translate(value))

    @app.context_processor
    def inject():
        return {"banners": active_banners, "csrf_token": generate_csrf, "lang": i18n.current,
                "languages": i18n.NAMES}
