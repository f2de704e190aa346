"""/status (the public status page) and /status/feed.atom.

The status part of the page is rendered once per cache period and shared by every worker; only the
thin layout around it (nav, sign-in state, banners — themselves cached) is rendered per request.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, request
from markupsafe import Markup

from app.extensions import limiter
from app.services import status, status_cache, status_feeds
from app.services.status_history import COUNTED, coverage_pct, is_partial, run_length, uptime
from app.web import cached_response
from public import bp

DECLARED_LABELS = {"degraded": "Degraded", "down": "Outage"}
LABELS = {"up": "Up", "degraded": "Degraded", "down": "Down", "no_data": "No data", "unknown": "Not monitored"}


@bp.get("/status")
@limiter.exempt  # served from the cache and meant to take a spike; skip per-client throttle bookkeeping
def status_page():
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # A visitor without a session (most of a traffic spike) gets the whole page from the cache:
        # nothing about it is personal, and it needs no CSRF token (the page has no forms).
        return cached_response("page:anonymous", _render_anonymous, "text/html")
    return _render_page()


def _render_page(**overrides) -> str:
    body = status_cache.get_or_build("page", _render_body)
    # The body is our own autoescaped template output, cached as bytes.
    return render_template("status.html", body=Markup(body.decode()), **overrides)  # noqa: S704


def _render_anonymous() -> str:
    return _render_page(csrf_token=lambda: "")


@bp.get("/status/feed.atom")
@limiter.exempt
def status_feed():
    return cached_response("feed", status_feeds.atom_feed, "application/atom+xml")


def _render_body() -> str:
    ctx = status.page_context()
    return render_template("status/_body.html", strip=strip, bars=bars, pct=pct, labels=LABELS,
                           declared_labels=DECLARED_LABELS, coverage_note=coverage_note,
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
        out.append({"x": i, "level": level, "partial": partial, "title": title})
    return out


def _measured(counts: dict) -> str:
    ran = sum(counts.get(k, 0) for k in COUNTED)
    expected = ran + counts.get("no_data", 0)
    return f"{ran} of {expected} checks ran, {pct(coverage_pct(counts))} measured"


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
