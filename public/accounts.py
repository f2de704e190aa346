from flask import current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext
from flask_login import current_user

from app.accounts import login_throttle, plans
from app.auth import safe_next, sign_in, sign_out
from app.common.errors import ServiceError
from app.extensions import csrf
from public import bp
from public.forms import SignInForm, SignOutForm


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer it rather than log a 404 per visit."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


# The global CSRF check is skipped here only so the throttle answers first; SignInForm (a FlaskForm)
# still validates the CSRF token itself before any password is checked.
@bp.route("/signin", methods=["GET", "POST"])
@csrf.exempt
def signin():
    form = SignInForm(next=safe_next(request.args.get("next"), ""))
    device = request.cookies.get(login_throttle.DEVICE_COOKIE)
    try:
        if request.method == "POST":
            login_throttle.check_allowed(str(request.form.get("email") or ""), request.remote_addr, device)
        if form.validate_on_submit():
            user = login_throttle.attempt(form.email.data, form.password.data, request.remote_addr, device)
            sign_in(user)
            return redirect(safe_next(form.next.data, url_for("public.home")))
    except ServiceError as exc:
        flash(str(exc.message), "error")  # a lazy message, worded now (not as markup)
        return render_template("signin.html", form=form), exc.status, exc.headers
    status = 422 if request.method == "POST" else 200
    return render_template("signin.html", form=form), status


@bp.route("/signout", methods=["GET", "POST"])
def signout():
    form = SignOutForm()
    if request.method == "POST" and form.validate_on_submit():
        sign_out()
        flash(gettext("You are signed out."), "info")
        return redirect(url_for("public.signin"))
    if not current_user.is_authenticated:
        return redirect(url_for("public.signin"))
    return render_template("signout.html", form=form)


@bp.get("/pricing")
def pricing():
    user_id = current_user.id if current_user.is_authenticated else None
    return render_template("pricing.html", plans=plans.catalog(user_id), sla_percent=plans.sla_percent())
