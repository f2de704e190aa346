from admin_views.base import SecureModelView


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
