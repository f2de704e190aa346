"""Template globals every public page uses: the banner slot and the CSRF token."""
from flask_wtf.csrf import generate_csrf

from app.services.incidents import active_banners


def register_context(app) -> None:
    @app.context_processor
    def inject():
        return {"banners": active_banners, "csrf_token": generate_csrf}
