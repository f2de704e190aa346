"""/data-requests: what a data export holds, the request button, past exports; and the download link."""
from flask import current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

from app.auth import deny, login_required
from app.common import inputs
from app.common.errors import ServiceError
from app.common.storage import get_storage
from app.dsar import datamap, erasure, serializers
from app.dsar import exports as dsar_exports
from public import bp


@bp.get("/data-requests")
@login_required
def data_requests():
    exports = [serializers.user_view(e) for e in dsar_exports.list_for_user(current_user.id)]
    return render_template("data_requests.html", exports=exports,
                           next_allowed_at=dsar_exports.next_allowed_at(current_user.id),
                           throttle_days=current_app.config["DSAR_THROTTLE_DAYS"],
                           link_days=current_app.config["DSAR_LINK_DAYS"],
                           erasure=erasure.latest_for_user(current_user.id), erasure_rules=datamap.ERASURE,
                           grace_days=current_app.config["DSAR_ERASURE_GRACE_DAYS"])


@bp.post("/data-requests/erasure")
@login_required
def request_erasure():
    """The form twin of POST /api/dsar/erasure (CSRF checked globally)."""
    password = request.form.get("password", "")
    try:
        inputs.check_form_value("password", password)
        row = erasure.request_erasure(current_user.id, password)
        flash(f"Your account will be erased on {row.scheduled_for:%d %B %Y}. You can cancel until then; "
              "we emailed you the details.", "info")
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("public.data_requests") + "#erasure-h")


@bp.post("/data-requests/erasure/<int:erasure_id>/cancel")
@login_required
def cancel_erasure(erasure_id: int):
    try:
        erasure.cancel(erasure_id, current_user.id)
        flash("The erasure is canceled. Your account stays as it is.", "info")
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("public.data_requests") + "#erasure-h")


PENDING_DOWNLOAD = "dsar_download_token"


@bp.get("/data-requests/download/<token>")
def dsar_download(token: str):
    """The owner only; 410 once expired or withdrawn, 404 for anyone else or a tampered token. Signed
    out, the token waits in the signed session cookie (never in a URL) while the person signs in."""
    if not current_user.is_authenticated:
        if len(token) <= 512:
            session[PENDING_DOWNLOAD] = token
        return deny()
    return _serve_download(token)


@bp.get("/data-requests/download/continue")
@login_required
def dsar_download_continue():
    """Where sign-in continues to: the link clicked before signing in, else the data page."""
    token = session.pop(PENDING_DOWNLOAD, None)
    if not token:
        return redirect(url_for("public.data_requests"))
    return _serve_download(token)


def _serve_download(token: str):
    try:
        export = dsar_exports.resolve_download(token, current_user.id)
    except dsar_exports.LinkGone as exc:
        return render_template("download_gone.html", message=exc.message, **exc.extra), 410
    storage = get_storage()
    filename = dsar_exports.download_filename(export)
    url = storage.presign(export.storage_key, current_app.config["S3_PRESIGN_SECONDS"], filename)
    if url:
        return redirect(url, code=302)
    response = send_file(storage.open(export.storage_key), mimetype="application/zip", as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
