"""/admin/status-subscribers and /admin/status-events: what support needs when someone writes in about
status mails or a webhook: who is subscribed and in which state, unsubscribe, re-enable a webhook that
was turned off, and how each notification went out.

Read-only grids: the address and URL are the subscriber's to change (by subscribing again). The
signing secret and the confirmation nonce are never listed, and a webhook shows only its host (its
path or query may carry the receiver's token). Both actions are POSTs with the page's CSRF token and
call app/subscriptions/staff.py, which audits them.
"""
from __future__ import annotations

from flask import g
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterLike
from flask_login import current_user
from markupsafe import Markup

from admin_views.base import RowActionsMixin, SecureModelView
from app.common.redact import redact_text
from app.extensions import db
from app.models import StatusEvent, StatusSubscriber
from app.models.subscribers import SUBSCRIBER_STATES, DeliveryStatus
from app.subscriptions import staff


class StateFilter(BaseSQLAFilter):
    def __init__(self, name: str):
        super().__init__(StatusSubscriber.id, name, options=[(s, s) for s in SUBSCRIBER_STATES])

    def validate(self, value):
        return value in SUBSCRIBER_STATES

    def apply(self, query, value, alias=None):
        return query.filter(StatusSubscriber.state_is(value))

    def operation(self):
        return "is"


class KindFilter(BaseSQLAFilter):
    def __init__(self, name: str):
        super().__init__(StatusSubscriber.webhook_url, name, options=[("email", "email"), ("webhook", "webhook")])

    def validate(self, value):
        return value in ("email", "webhook")

    def apply(self, query, value, alias=None):
        url = StatusSubscriber.webhook_url
        return query.filter(url.is_not(None) if value == "webhook" else url.is_(None))

    def operation(self):
        return "is"


class FailedDeliveriesFilter(BaseSQLAFilter):
    def __init__(self, name: str):
        super().__init__(StatusEvent.id, name, options=[("1", "yes")])

    def apply(self, query, value, alias=None):
        return query.filter(staff.has_failed_deliveries())

    def operation(self):
        return "has"


def _state(view, context, model, name):
    return Markup('<span class="badge subscriber-state state-{0}">{0}</span>').format(model.state)


def _host(view, context, model, name):
    return staff.webhook_host(model) or ""


def _components(view, context, model, name):
    return ", ".join(model.components or []) or Markup('<span class="text-muted">all</span>')


def _last_error(view, context, model, name):
    return redact_text(model.last_error) or ""


def _subject(view, context, model, name):
    return f"{model.subject_type} #{model.subject_id}"


def _deliveries(view, context, model, name):
    counts = g.get("status_event_counts", {}).get(model.id) or {}
    return Markup(", ").join(Markup('<span class="delivery-{0}">{1} {0}</span>').format(status, counts.get(status, 0))
                             for status in (*DeliveryStatus, "uncertain"))


SUBSCRIBER_COLUMNS = ("email", "kind", "webhook_host", "components", "state", "confirmed_at", "consecutive_failures",
                      "last_error", "last_delivery_at", "created_at")


class StatusSubscriberView(RowActionsMixin, SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False  # the grid shows every safe column; a details page could only leak more
    list_template = "admin/status_subscribers_list.html"
    column_list = SUBSCRIBER_COLUMNS
    column_labels = {"webhook_host": "Webhook host", "consecutive_failures": "Failures in a row",
                     "confirmed_at": "Confirmed", "last_delivery_at": "Last delivery", "created_at": "Created"}
    column_formatters = {"state": _state, "webhook_host": _host, "components": _components,
                         "last_error": _last_error, "kind": lambda v, c, m, n: m.kind}
    column_sortable_list = ("email", "confirmed_at", "consecutive_failures", "last_delivery_at", "created_at")
    column_default_sort = [("created_at", True), ("id", True)]
    column_filters = (StateFilter("State"), KindFilter("Kind"), FilterLike(StatusSubscriber.email, "Email"))
    named_filter_urls = True  # ?flt0_state_is=disabled

    @expose("/<int:subscriber_id>/unsubscribe", methods=["POST"])
    def unsubscribe_view(self, subscriber_id: int):
        return self._row_action(lambda: staff.unsubscribe(subscriber_id, current_user.id),
                                lambda row: f"{row.email} ({row.kind}) is unsubscribed; nothing more will be sent.")

    @expose("/<int:subscriber_id>/reenable", methods=["POST"])
    def reenable_view(self, subscriber_id: int):
        return self._row_action(lambda: staff.reenable(subscriber_id, current_user.id),
                                lambda row: f"The webhook to {staff.webhook_host(row)} ({row.email}) is "
                                            "on again; the next notification is delivered to it.")


class StatusEventView(SecureModelView):
    """Each notification and how its deliveries went: a failed one is where support looks first."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_list = ("id", "kind", "subject", "components", "created_at", "fanned_out_at", "recipients", "deliveries")
    column_labels = {"fanned_out_at": "Fanned out", "created_at": "Created"}
    column_formatters = {"subject": _subject, "components": _components, "deliveries": _deliveries}
    column_sortable_list = ("id", "kind", "created_at", "fanned_out_at", "recipients")
    column_default_sort = ("id", True)
    column_filters = ("kind", FailedDeliveriesFilter("Failed deliveries"))
    named_filter_urls = True

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.status_event_counts = staff.delivery_counts([row.id for row in rows])
        return count, rows


def add_subscriber_views(admin) -> None:
    admin.add_view(StatusSubscriberView(StatusSubscriber, db, name="Status subscribers",
                                        endpoint="status_subscribers", url="/admin/status-subscribers"))
    admin.add_view(StatusEventView(StatusEvent, db, name="Status events", endpoint="status_events",
                                   url="/admin/status-events"))
