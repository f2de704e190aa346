"""The admin's one choke point: every view, the index included, derives from these classes."""
from datetime import datetime
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import typefmt
from flask_admin.model.filters import convert
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from app.auth import deny, is_admin, safe_next
from app.common.errors import ServiceError
from app.common.money import format_amount
from app.console import dashboard


def _unsafe_return_url():
    """Flask-Admin redirects to ?url= after a save; only a same-site path is accepted (the same rule as
    the sign-in page's next=). A GET is sent on without it; a POST is refused before anything changes."""
    target = request.values.get("url")
    if target is None or safe_next(target, "") == target:
        return None
    if request.method != "GET":
        abort(400, "The return address (url=) is not a page of this site.")
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "url"]
    return redirect(request.path + ("?" + urlencode(kept) if kept else ""))


def utc_text(value: datetime | None) -> str:
    """Every timestamp in the console reads the same: minutes, in UTC, saying so."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else ""


# Any datetime column of any view, unless the view formats it itself.
TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: lambda view, value, name: utc_text(value)}


class SecureMixin:
    def is_accessible(self):
        return is_admin()

    def inaccessible_callback(self, name, **kwargs):
        return deny()

    def _handle_view(self, name, **kwargs):
        return super()._handle_view(name, **kwargs) or _unsafe_return_url()


class SecureIndexView(SecureMixin, AdminIndexView):
    """The console's front page: a dashboard of what needs a person (app/console/dashboard.py)."""

    @expose("/")
    def index(self):
        return self.render("admin/levqor_index.html", d=dashboard.summary(), format_amount=format_amount)


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
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    can_view_details = True
    can_export = False


class RowActionsMixin:
    """Grids with a POST button per row (admin/_row_action.html): one CSRF token per page rather than
    two per row, and a way back to the list that only follows same-site paths."""

    def render(self, template, **kwargs):
        kwargs.setdefault("row_csrf_token", generate_csrf())
        return super().render(template, **kwargs)

    def _back(self):
        return redirect(safe_next(request.args.get("url") or request.form.get("url"), url_for(".index_view")))

    def _row_action(self, act, done):
        """Run `act()`; flash `done(its result)`, or the service's reason it refused; back to the list."""
        try:
            flash(done(act()), "success")
        except ServiceError as exc:
            flash(exc.message, "error")
        return self._back()
