"""The admin's one choke point: every view, the index included, derives from these classes."""
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model.filters import convert
from flask_wtf import FlaskForm

from app.auth import deny, is_admin


class SecureMixin:
    def is_accessible(self):
        return is_admin()

    def inaccessible_callback(self, name, **kwargs):
        return deny()


class SecureIndexView(SecureMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/levqor_index.html")


class LevqorFilterConverter(FilterConverter):
    """Teach Flask-Admin that our UTCDateTime column type filters like a datetime."""

    @convert("utcdatetime")
    def conv_utcdatetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class SecureModelView(SecureMixin, ModelView):
    # Flask-Admin's own SecureForm clashes with the global CSRFProtect; FlaskForm carries the token.
    form_base_class = FlaskForm
    filter_converter = LevqorFilterConverter()
    page_size = 50
    can_view_details = True
    can_export = False
