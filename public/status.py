"""/status (the public status page), /status/history, /status/incidents/<id>, /status/badge.svg and
/status/feed.atom.

The status part of the page is rendered once per cache period and shared by every worker; only the
thin layout around it (nav, sign-in state, banners — themselves cached) is rendered per request.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, redirect, render_template, request
from markupsafe import Markup

from app.common.errors import NotFound, ValidationFailed
from app.extensions import limiter
from app.models.status import COMPONENT_NAMES
from app.status import archive, badge, cache, feeds, maintenance_calendar, page
from app.status.history import COUNTED, coverage_pct, is_partial, run_length, uptime
from app.web import cached_response
from public import bp

DECLARED_LABELS = {"degraded": "Degraded", "down": "Outage"}
LABELS = {"up": "Up", "degraded": "Degraded", "down": "Down", "no_data": "No data", "unknown": "Not monitored",
          "maintenance": "Scheduled maintenance"}


@bp.get("/status")
@limiter.exempt  # served from the cache and meant to take a spike; skip per-client throttle bookkeeping
def status_page():
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # A visitor without a session (most of a traffic spike) gets the whole page from the cache:
        # nothing about it is personal, and it needs no CSRF token (the page has no forms).
        return cached_response("page:anonymous", _render_anonymous, "text/html")
    return _render_page()


def _render_page(**overrides) -> str:
    body = cache.get_or_build("page", _render_body)
    # The body is our own autoescaped template output, cached as bytes.
    return render_template("status.html", body=Markup(body.decode()), **overrides)  # noqa: S704


def _render_anonymous() -> str:
    return _render_page(csrf_token=lambda: "")


@bp.get("/status/fragment")
@limiter.exempt
def status_fragment():
    """The body of /status alone (what status.js swaps in every minute), from the same cache."""
    return cached_response("page", _render_body, "text/html", {"Cache-Control": "no-cache"})


@bp.get("/status/history")
@limiter.exempt
def status_history_page():
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed("page must be a whole number from 1.", code="invalid_page", status=400)
    page = int(raw)
    pages = int(cache.get_or_build("history:pages", lambda: str(archive.page_count())))
    if not 1 <= page <= pages:
        raise NotFound(f"The history has {pages} pages.", code="no_such_page")

    def render(**overrides) -> str:
        body = cache.get_or_build(f"history:{page}", lambda: _render_history(page))
        # The body is our own autoescaped template output, cached as bytes.
        return render_template("status_history.html", body=Markup(body.decode()), **overrides)  # noqa: S704

    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return cached_response(f"history-anonymous:{page}", lambda: render(csrf_token=lambda: ""), "text/html")
    return render()


def _render_history(page: int) -> str:
    return render_template("status/_history.html", names=COMPONENT_NAMES, **archive.history_page(page))


@bp.get("/status/incidents/<int:incident_id>")
@limiter.exempt
def status_incident(incident_id: int):
    """An incident's permanent link (Statuspage's shortlink): its month on the history pages."""
    page = archive.page_of(incident_id)
    return redirect(f"/status/history?page={page}#incident-{incident_id}")


# Embedded by other sites: readable cross-origin, inert if opened on its own (no script may run).
BADGE_HEADERS = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*",
                 "Cross-Origin-Resource-Policy": "cross-origin", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}


@bp.get("/status/badge.svg")
@limiter.exempt
def status_badge_svg():
    component, window = request.args.get("component"), request.args.get("uptime")
    badge.validate(component, window)  # 422 before anything is cached: a closed set of keys
    return cached_response(f"badge:{component or 'all'}:{window or 'state'}",
                           lambda: badge.badge(component, window), "image/svg+xml", BADGE_HEADERS)


@bp.get("/status/feed.atom")
@limiter.exempt
def status_feed():
    return cached_response("feed", feeds.atom_feed, "application/atom+xml")


def _render_body() -> str:
    ctx = page.page_context()
    return render_template("status/_body.html", strip=strip, bars=bars, pct=pct, labels=LABELS,
                           declared_labels=DECLARED_LABELS, coverage_note=coverage_note,
                           maintenance_note=maintenance_note,
                           five_minutes=timedelta(minutes=5), one_hour=timedelta(hours=1), **ctx)


def strip(points: list, step: timedelta, fmt: str) -> list[dict]:
    """SVG rects, one per run of equal buckets (a quiet day is one rect, not 288). A run of partial
    buckets is hatched and its tooltip says how much of it was measured."""
    out = []
    x = 0
    for run in run_length(points, step):
        span = f"{run['start'].strftime(fmt)} – {run['end'].strftime(fmt)} UTC"
        title = f"{LABELS[run['level']]}: {span}"
        if run["partial"]:
            title = f"Partial data ({_measured(run['counts'])}), {LABELS[run['level']].lower()}: {span}"
        out.append({"x": x, "width": run["slots"], "level": run["level"], "partial": run["partial"],
                    "title": title})
        x += run["slots"]
    return out


def bars(points: list) -> list[dict]:
    """One bar per day with its own uptime, and its coverage when checks are missing, in the tooltip."""
    out = []
    for i, (day, level, counts) in enumerate(points):
        u = uptime(counts)
        measured = f"{pct(u['uptime_pct'])} up" if u["uptime_pct"] is not None else "no data"
        extra = [f"{counts[k]} {k} checks" for k in COUNTED[1:] if counts.get(k)]
        title = f"{day.strftime('%Y-%m-%d')}: {measured}" + (f" ({', '.join(extra)})" if extra else "")
        partial = is_partial(counts)
        if partial:
            title = f"{day.strftime('%Y-%m-%d')}: partial data ({_measured(counts)}); " \
                    f"{measured} over what was measured" + (f" ({', '.join(extra)})" if extra else "")
        elif u["uptime_pct"] is not None and (u["coverage_pct"] or 0) < 99.95:
            title += f"; {_measured(counts)}"
        if counts.get("maintenance"):
            title += f"; scheduled maintenance {_duration(counts['maintenance'])} (not counted)"
        out.append({"x": i, "level": level, "partial": partial, "title": title})
    return out


def _duration(slots: int) -> str:
    hours, minutes = divmod(slots * 5, 60)
    return f"{hours} h {minutes} min" if hours and minutes else f"{hours} h" if hours else f"{minutes} min"


def _measured(counts: dict) -> str:
    ran = sum(counts.get(k, 0) for k in COUNTED)
    expected = ran + counts.get("no_data", 0)
    return f"{ran} of {expected} checks ran, {pct(coverage_pct(counts))} measured"


def maintenance_note(series: dict) -> str:
    """Next to an uptime figure: the scheduled maintenance it leaves out, if any."""
    slots = (series.get("counts") or {}).get("maintenance", 0)
    return f"{_duration(slots)} maintenance not counted" if slots else ""


def coverage_note(series: dict) -> str:
    """Next to an uptime figure: how much of the window it was measured over, when not all of it."""
    cov = series.get("coverage_pct")
    if cov is None or series.get("uptime_pct") is None or cov >= 99.95:
        return ""
    return f"{pct(cov)} measured"


def pct(value) -> str:
    if value is None:
        return "no data"
    if value >= 99.995 and value < 100:
        return "99.99 %"
    return f"{value:.2f} %".replace(".00 %", " %") if value in (0, 100) else f"{value:.2f} %"


@bp.get("/status/feed.rss")
@limiter.exempt
def status_feed_rss():
    """RSS 2.0 beside the Atom feed (the same incidents)."""
    return cached_response("feed-rss", feeds.rss_feed, "application/rss+xml")


@bp.get("/status/maintenance.ics")
@limiter.exempt
def status_maintenance_calendar():
    """iCalendar (RFC 5545) of upcoming and recent maintenance windows."""
    return cached_response("maintenance-ics", maintenance_calendar.calendar, "text/calendar")
