"""Extensions, created unbound and bound to an app by create_app() (nothing connects at import)."""
from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names so Alembic autogenerate and batch mode (SQLite) agree across databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()  # English and German: app/common/i18n.py


def spike_proof(view):
    """For the surfaces served from the status cache and meant to take a traffic spike (the status page,
    the status JSON, feeds, badge): never throttled, and Flask-Limiter is not even consulted. For a route
    that is merely exempt it still resolves the blueprint's and the app's scopes on every request before
    it finds nothing to count, about a tenth of what such a request costs (docs/performance.md)."""
    view.levqor_spike_proof = True
    return limiter.exempt(view)


@limiter.request_filter
def _spike_proof_request() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint or ""), "levqor_spike_proof", False)
