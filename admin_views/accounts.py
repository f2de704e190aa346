from flask import flash
from flask_login import current_user

from admin_views.base import SecureModelView
from app.accounts import staff
from app.common.errors import ServiceError
from app.extensions import db


class UserView(SecureModelView):
    """Users: read and adjust names/roles. Password hashes and tokens are never shown or editable."""

    can_create = False
    can_delete = False
    column_list = ("id", "email", "name", "is_admin", "created_at")
    column_details_list = column_list
    column_searchable_list = ("email", "name")
    column_filters = ("is_admin", "created_at")
    column_default_sort = ("id", True)
    form_columns = ("name", "is_admin")

    def update_model(self, form, model):
        """Through the service (audit, last-admin rule), never Flask-Admin's populate_obj."""
        try:
            staff.update_user(model.id, current_user.id, name=form.name.data, is_admin=form.is_admin.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return False
        return True
