"""Template globals every public page uses: the banner slot and the CSRF token."""
from flask_wtf.csrf import generate_csrf

from app.common.money import format_amount
from app.status.incidents import active_banners


def register_context(app) -> None:
    # `{{ amount|money(currency) }}` in every template (public, admin, mail): one formatting for all.
    app.jinja_env.filters["money"] = format_amount

    @app.context_processor
    def inject():
        return {"banners": active_banners, "csrf_token": generate_csrf}
