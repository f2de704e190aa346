"""Flask-Admin console at /admin: every view shares the secure base in admin_views/base.py."""
from flask import Blueprint
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from app.extensions import db

# One grouped navigation (dropdowns) on every console page, /admin/rq included (its navbar renders the same
# menu): the top row stays one line at 1280 px however many views the console grows.
MENU_CATEGORIES = {
    "users": "Customers", "dsar": "Customers", "dsar_erasures": "Customers", "sla_credits": "Customers",
    "incidents": "Status", "incident_drafts": "Status", "incident_templates": "Status", "maintenance": "Status",
    "status_subscribers": "Status", "status_events": "Status",
    "audit": "System", "Queues": "System",
}


class LevqorAdmin(Admin):
    """Files each view (by endpoint) and link (by name) under its MENU_CATEGORIES heading; anything not
    listed stays a top-level item."""

    def add_view(self, view) -> None:
        view.category = view.category or MENU_CATEGORIES.get(view.endpoint)
        super().add_view(view)

    def add_link(self, link) -> None:
        link.category = link.category or MENU_CATEGORIES.get(link.name)
        super().add_link(link)


def init_admin(app) -> None:
    from admin_views.accounts import UserView
    from admin_views.audit import AuditLogView
    from admin_views.base import SecureIndexView
    from admin_views.dsar import add_dsar_view
    from admin_views.incident_drafts import IncidentDraftView
    from admin_views.incident_templates import IncidentTemplateView
    from admin_views.rq import mount_rq_dashboard
    from admin_views.sla import add_sla_view
    from admin_views.status import IncidentView, MaintenanceView
    from admin_views.subscriptions import add_subscriber_views
    from app.models import AuditLog, Incident, IncidentDraft, IncidentTemplate, ScheduledMaintenance, User
    from app.security import csp_nonce

    # The console's own templates (admin/*.html) live beside its views, not with the public pages.
    app.register_blueprint(Blueprint("levqor_admin_templates", __name__, template_folder="templates"))
    admin = LevqorAdmin(app, name="Levqor admin", url="/admin",
                  index_view=SecureIndexView(url="/admin", name="Home"),
                  theme=Bootstrap4Theme(swatch="default", base_template="admin/levqor_base.html"),
                  csp_nonce_generator=csp_nonce)
    admin.add_view(UserView(User, db, name="Users", endpoint="users"))
    admin.add_view(IncidentView(Incident, db, name="Incidents", endpoint="incidents"))
    admin.add_view(IncidentDraftView(IncidentDraft, db, name="Draft incidents", endpoint="incident_drafts",
                                     url="/admin/incident-drafts"))
    admin.add_view(IncidentTemplateView(IncidentTemplate, db, name="Incident templates",
                                        endpoint="incident_templates", url="/admin/incident-templates"))
    admin.add_view(MaintenanceView(ScheduledMaintenance, db, name="Maintenance", endpoint="maintenance"))
    add_subscriber_views(admin)  # beside incidents and maintenance: what subscribers are told of them
    admin.add_view(AuditLogView(AuditLog, db, name="Audit log", endpoint="audit"))
    add_dsar_view(admin)
    add_sla_view(admin)
    mount_rq_dashboard(app, admin)
