"""/data-requests: what a data export holds, the request button, past exports; and the download link."""
from flask import current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext
from flask_login import current_user

from app.accounts import login_throttle
from app.auth import confirmed_identity, deny, login_required, password_checked_within
from app.common import i18n, inputs
from app.common.errors import ServiceError
from app.common.storage import get_storage
from app.dsar import datamap, erasure, serializers
from app.dsar import exports as dsar_exports
from public import bp
from public.forms import ConfirmPasswordForm


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
        flash(gettext("Your account will be erased on %(day)s. You can cancel until then; we emailed you the "
                      "details.", day=i18n.fmt_date(row.scheduled_for)), "info")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("public.data_requests") + "#erasure-h")


@bp.post("/data-requests/erasure/<int:erasure_id>/cancel")
@login_required
def cancel_erasure(erasure_id: int):
    try:
        erasure.cancel(erasure_id, current_user.id)
        flash(gettext("The erasure is canceled. Your account stays as it is."), "info")
    except ServiceError as exc:
        flash(str(exc.message), "error")
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


@bp.route("/data-requests/download/confirm", methods=["GET", "POST"])
@login_required
def dsar_download_confirm():
    """The password again when the sign-in is older than DSAR_REAUTH_MINUTES (as Google Takeout asks);
    then on to the download. Wrong passwords count against the sign-in throttle."""
    if not session.get(PENDING_DOWNLOAD):
        return redirect(url_for("public.data_requests"))
    form = ConfirmPasswordForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                login_throttle.attempt(current_user.email, form.password.data, request.remote_addr,
                                       request.cookies.get(login_throttle.DEVICE_COOKIE))
                confirmed_identity(current_user)
                return redirect(url_for("public.dsar_download_continue"))
            except ServiceError as exc:
                flash(gettext("That password is not right.") if exc.status == 401 else str(exc.message), "error")
                status = exc.status
    return render_template("download_confirm.html", form=form,
                           minutes=current_app.config["DSAR_REAUTH_MINUTES"]), status


def _serve_download(token: str):
    try:
        export = dsar_exports.check_download(token, current_user.id)
    except dsar_exports.LinkGone as exc:
        return render_template("download_gone.html", message=exc.message, **exc.extra), 410
    if not password_checked_within(current_app.config["DSAR_REAUTH_MINUTES"]):
        session[PENDING_DOWNLOAD] = token  # in the signed cookie, never in a URL
        return redirect(url_for("public.dsar_download_confirm"))
    dsar_exports.record_download(export, current_user.id)
    storage = get_storage()
    filename = dsar_exports.download_filename(export)
    url = storage.presign(export.storage_key, current_app.config["S3_PRESIGN_SECONDS"], filename)
    if url:
        return redirect(url, code=302)
    response = send_file(storage.open(export.storage_key), mimetype="application/zip", as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
