"""Status subscriptions without an account: the subscribe form (the JavaScript on /status posts to
the API instead), the confirmation page (a button, so a mail scanner that follows links confirms
nothing), and unsubscribe: a page with a button, and the one-click POST mail clients send (RFC 8058)."""
from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l

from app.common.errors import NotFound, ValidationFailed
from app.extensions import csrf, limiter
from app.models.status import COMPONENT_NAMES, COMPONENTS
from app.subscriptions import content, manage, subscribers
from public import bp
from public.forms import SignOutForm as ButtonForm  # a CSRF token and nothing else


def _per_client() -> str:
    return current_app.config["STATUS_SUBSCRIBE_PER_CLIENT"]


def _form_page(values: dict, errors: dict | None = None, status: int = 200):
    return render_template("status_subscribe.html", form=ButtonForm(), values=values, errors=errors or {},
                           components=[(c, COMPONENT_NAMES.get(c, c)) for c in COMPONENTS]), status


def _values() -> dict:
    source = request.form if request.method == "POST" else request.args
    return {"email": source.get("email", "")[:320], "webhook_url": source.get("webhook_url", "")[:2048],
            "components": [c for c in source.getlist("components") if c in COMPONENTS]}


@bp.get("/status/subscribe")
def status_subscribe_form():
    return _form_page(_values())


@bp.post("/status/subscribe")
@limiter.shared_limit(_per_client, scope="status-subscribe")  # shared with POST /api/status/subscribers
def status_subscribe():
    values = _values()
    data = {"email": values["email"], "components": values["components"]}
    if values["webhook_url"].strip():
        data["webhook_url"] = values["webhook_url"]
    try:
        subscribers.request_subscription(data)
    except ValidationFailed as exc:
        return _form_page(values, exc.fields or {"email": exc.message}, 422)
    return render_template("status_subscription.html", step="requested", email=data["email"])


@bp.get("/status/subscriptions/confirm/<token>")
def status_confirm_page(token: str):
    subscriber, already = subscribers.check_confirm_link(token)
    return render_template("status_subscription.html", step="already" if already else "confirm",
                           subscriber=subscriber, form=ButtonForm(), manage_url=manage.manage_url(subscriber))


@bp.post("/status/subscriptions/confirm/<token>")
def status_confirm(token: str):
    subscriber, already = subscribers.check_confirm_link(token)
    if already:  # pressed twice, or the page reloaded: nothing to apply
        return render_template("status_subscription.html", step="already", subscriber=subscriber,
                               manage_url=manage.manage_url(subscriber))
    subscriber, secret = subscribers.confirm(token)
    response = make_response(render_template("status_subscription.html", step="confirmed", subscriber=subscriber,
                                             secret=secret, names=COMPONENT_NAMES,
                                             manage_url=manage.manage_url(subscriber)))
    response.headers["Cache-Control"] = "no-store"  # the signing secret is shown here, once
    return response


@bp.get("/status/unsubscribe/<token>")
def status_unsubscribe_page(token: str):
    subscriber = subscribers.load_unsubscribe(token)
    return render_template("status_subscription.html", step="unsubscribe", subscriber=subscriber, form=ButtonForm())


@bp.post("/status/unsubscribe/<token>")
# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no session; the signed token is the proof.
@csrf.exempt
def status_unsubscribe(token: str):
    subscribers.unsubscribe(token)
    return render_template("status_subscription.html", step="unsubscribed")


@bp.get("/status/subscriptions/manage/<token>")
def status_manage_page(token: str):
    """Everything we hold about the address, with a download and one button that deletes it all."""
    rows = manage.load(token)
    return _no_store(render_template("status_manage.html", token=token, data=manage.held(rows) if rows else None,
                                     form=ButtonForm(), step="show", headlines=content.HEADLINES))


@bp.get("/status/subscriptions/manage/<token>/data.json")
def status_manage_download(token: str):
    rows = manage.load(token)
    if not rows:
        raise NotFound(_l("We hold nothing about this address any more."), code="nothing_held")
    response = jsonify(manage.held(rows, all_deliveries=True))
    response.headers["Content-Disposition"] = 'attachment; filename="levqor-status-subscription.json"'
    return _no_store(response)


@bp.post("/status/subscriptions/manage/<token>/delete")
def status_manage_delete(token: str):
    """CSRF-checked (the page's button), audited; pressing it twice is harmless."""
    deleted = manage.delete_all(token)
    return render_template("status_manage.html", step="deleted", deleted=deleted)


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"  # a page about one person's address
    return response
