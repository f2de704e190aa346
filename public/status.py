"""/status (the public status page), /status/history, /status/incidents/<id>, /status/badge.svg and
/status/feed.atom.

The status part of the page is rendered once per cache period and shared by every worker; only the
thin layout around it (nav, sign-in state, banners — themselves cached) is rendered per request.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, redirect, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.common import i18n
from app.common.errors import NotFound, ValidationFailed
from app.extensions import spike_proof
from app.models.status import COMPONENT_NAMES
from app.status import archive, badge, cache, days, feeds, latency, maintenance_calendar, page
from app.status.declared import STATUS_WORDS
from app.status.history import COUNTED, coverage_pct, run_length
from app.status.page import recent_checks
from app.subscriptions import subscribers
from app.web import cached_response
from public import bp

# A run of checks in Statuspage's words (the 24 h and 7 d views on /status/history).
LABELS = {"up": "Operational", "degraded": "Degraded performance", "down": "Major outage", "no_data": "No data",
          "unknown": "Not monitored", "maintenance": "Under maintenance"}


@bp.get("/status")
@spike_proof  # served from the cache and meant to take a spike; skip per-client throttle bookkeeping
def status_page():
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # A visitor without a session (most of a traffic spike) gets the whole page from the cache:
        # nothing about it is personal, and it needs no CSRF token (the page has no forms). Its language is
        # read off the request as Babel's selector would (i18n.visitor_locale), without building Babel's
        # Locale for a copy that is already rendered (a sixth of this request's CPU under load).
        return cached_response(f"page:anonymous:{i18n.visitor_locale()}", _render_anonymous, "text/html")
    return _render_page()


def _render_page(**overrides) -> str:
    body = cache.get_or_build(f"page:{i18n.current()}", _render_body)
    # The body is our own autoescaped template output, cached as bytes.
    return render_template("status.html", body=Markup(body.decode()), accepted=subscribers.ACCEPTED,  # noqa: S704
                           **overrides)


def _render_anonymous() -> str:
    return _render_page(csrf_token=lambda: "")


@bp.get("/status/fragment")
@spike_proof
def status_fragment():
    """The body of /status alone (what status.js swaps in every minute), from the same cache."""
    return cached_response(f"page:{i18n.current()}", _render_body, "text/html", {"Cache-Control": "no-cache"})


@bp.get("/status/history")
@spike_proof
def status_history_page():
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed(_l("page must be a whole number from 1."), code="invalid_page", status=400)
    page = int(raw)
    pages = int(cache.get_or_build("history:pages", lambda: str(archive.page_count())))
    if not 1 <= page <= pages:
        raise NotFound(_l("The history has %(count)s pages.", count=pages), code="no_such_page")

    def render(**overrides) -> str:
        body = cache.get_or_build(f"history:{page}:{i18n.current()}", lambda: _render_history(page))
        # The body is our own autoescaped template output, cached as bytes.
        return render_template("status_history.html", body=Markup(body.decode()), **overrides)  # noqa: S704

    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return cached_response(f"history-anonymous:{page}:{i18n.current()}", lambda: render(csrf_token=lambda: ""),
                               "text/html")
    return render()


def _render_history(page: int) -> str:
    charts = recent_checks() if page == 1 else {}  # the newest page: the last 24 h and 7 days
    return render_template("status/_history.html", names=COMPONENT_NAMES, strip=strip, pct=pct,
                           coverage_note=coverage_note, five_minutes=timedelta(minutes=5),
                           one_hour=timedelta(hours=1), **charts, **archive.history_page(page))


@bp.get("/status/incidents/<int:incident_id>")
@spike_proof
def status_incident(incident_id: int):
    """An incident's permanent link (Statuspage's shortlink): its month on the history pages."""
    page = archive.page_of(incident_id)
    return redirect(f"/status/history?page={page}#incident-{incident_id}")


# Embedded by other sites: readable cross-origin, inert if opened on its own (no script may run).
BADGE_HEADERS = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*",
                 "Cross-Origin-Resource-Policy": "cross-origin", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}


@bp.get("/status/badge.svg")
@spike_proof
def status_badge_svg():
    component, window = request.args.get("component"), request.args.get("uptime")
    badge.validate(component, window)  # 422 before anything is cached: a closed set of keys
    return cached_response(f"badge:{component or 'all'}:{window or 'state'}",
                           lambda: badge.badge(component, window), "image/svg+xml", BADGE_HEADERS)


@bp.get("/status/feed.atom")
@spike_proof
def status_feed():
    return cached_response("feed", feeds.atom_feed, "application/atom+xml")


def _render_body() -> str:
    ctx = page.page_context()
    return render_template("status/_body.html", pct=pct, ms=latency.ms, words=STATUS_WORDS, **ctx)


@bp.get("/status/how-we-measure")
@spike_proof
def status_how_we_measure():
    return cached_response(f"page:how-we-measure:{i18n.current()}", lambda: render_template("status_measure.html",
                                                                         csrf_token=lambda: ""), "text/html")


def strip(points: list, step: timedelta, fmt: str) -> list[dict]:
    """SVG rects, one per run of equal buckets (a quiet day is one rect, not 288). The text of a run
    names the downtime it holds ("Major outage, 15 min"), not the length of its buckets; a run of
    partial buckets is hatched and says how much of it was measured."""
    out = []
    x = 0
    for run in run_length(points, step):
        span = f"{run['start'].strftime(fmt)} – {run['end'].strftime(fmt)} UTC"
        counts = run["counts"]
        held = {"down": counts.get("down", 0), "degraded": counts.get("degraded", 0),
                "maintenance": counts.get("maintenance", 0)}.get(run["level"])
        what = i18n.translate(LABELS[run["level"]]) + (f", {days.duration(held)}" if held else "")
        title = f"{what} ({span})"
        if run["partial"]:
            title = gettext("Partial data (%(measured)s), %(what)s (%(span)s)", measured=_measured(counts), what=what,
                            span=span)
        out.append({"x": x, "width": run["slots"], "level": run["level"], "partial": run["partial"],
                    "title": title, "notable": run["level"] in ("down", "degraded", "maintenance")})
        x += run["slots"]
    return out


def _measured(counts: dict) -> str:
    ran = sum(counts.get(k, 0) for k in COUNTED)
    expected = ran + counts.get("no_data", 0)
    return gettext("%(ran)s of %(expected)s checks ran, %(pct)s measured", ran=ran, expected=expected,
                   pct=pct(coverage_pct(counts)))


def coverage_note(series: dict) -> str:
    """Next to an uptime figure: how much of the window it was measured over, when not all of it."""
    cov = series.get("coverage_pct")
    if cov is None or series.get("uptime_pct") is None or cov >= 99.95:
        return ""
    return gettext("measured over %(pct)s of the window", pct=pct(cov))


def pct(value) -> str:
    if value is None:
        return gettext("no data")
    if value >= 99.995 and value < 100:
        value = 99.99
    return f"{i18n.fmt_number(value, 0 if value in (0, 100) else 2)} %"  # "99,95 %" in German


@bp.get("/status/feed.rss")
@spike_proof
def status_feed_rss():
    """RSS 2.0 beside the Atom feed (the same incidents)."""
    return cached_response("feed-rss", feeds.rss_feed, "application/rss+xml")


@bp.get("/status/maintenance.ics")
@spike_proof
def status_maintenance_calendar():
    """iCalendar (RFC 5545) of upcoming and recent maintenance windows."""
    return cached_response("maintenance-ics", maintenance_calendar.calendar, "text/calendar")
