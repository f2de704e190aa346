"""A small SVG badge of the status (shields.io's flat look) for READMEs and dashboards:
GET /status/badge.svg[?component=api][&uptime=30d].

Safe to embed: no script, no external reference, no text from anywhere but our own fixed labels
(escaped all the same), and every parameter is checked against a closed list.
"""
from __future__ import annotations

from datetime import timedelta

from markupsafe import escape
from sqlalchemy import func, select

from app.common.errors import ValidationFailed
from app.extensions import db
from app.models import StatusRollup
from app.models.status import COMPONENT_NAMES, COMPONENTS, worse_of
from app.models.types import utcnow
from app.status import live
from app.status import mask as status_mask
from app.status.declared import declared_state
from app.status.history import floor_to, uptime
from app.status.page import incidents_for_page, maintenance_for_page
from app.status.state import current

# window → (rollup period, buckets): the same counts as the 7- and 90-day bars.
WINDOWS = {"24h": ("hour", 24), "7d": ("hour", 168), "30d": ("day", 30), "90d": ("day", 90)}
STATE_TEXT = {"up": ("operational", "#2e7d32"), "degraded": ("degraded", "#b26a00"), "down": ("outage", "#c62828"),
              "unknown": ("unknown", "#6b6b6b"), "maintenance": ("maintenance", "#1f5fa8")}
CHAR_WIDTH = 7  # Verdana 11px averages about 7 px a character; a badge a few px too wide is harmless


def validate(component: str | None, window: str | None) -> None:
    fields = {}
    if component is not None and component not in COMPONENTS:
        fields["component"] = f"Use one of: {', '.join(COMPONENTS)}."
    if window is not None and window not in WINDOWS:
        fields["uptime"] = f"Use one of: {', '.join(WINDOWS)}."
    if fields:
        raise ValidationFailed("Unknown badge parameter value.", code="invalid_badge", fields=fields)


def _state(component: str | None) -> str:
    """up/degraded/down/unknown, or "maintenance" while planned work is under way and nothing worse."""
    open_incidents, _ = incidents_for_page()
    state = declared_state(current(), open_incidents, maintenance_for_page()["active"])
    if component is None:
        return "maintenance" if state["indicator"] == "maintenance" else state["overall"]
    declared = state["declared"].get(component)
    if declared == "maintenance":
        return "maintenance"
    return worse_of([state["levels"][component], declared or "unknown"])


def uptime_pct(component: str | None, window: str, now=None) -> float | None:
    """Uptime over the window from the rollups ("overall" for the whole service), the checks inside
    scheduled maintenance left out as on /status; None without data."""
    now = now or utcnow()
    period, buckets = WINDOWS[window]
    size = timedelta(hours=1) if period == "hour" else timedelta(days=1)
    first = floor_to(now, period) - (buckets - 1) * size

    def load() -> float | None:
        row = db.session.execute(select(
            func.coalesce(func.sum(StatusRollup.up), 0), func.coalesce(func.sum(StatusRollup.degraded), 0),
            func.coalesce(func.sum(StatusRollup.down), 0),
        ).where(StatusRollup.period == period, StatusRollup.component == (component or "overall"),
                StatusRollup.bucket_start >= first)).one()
        counts = {"up": row[0], "degraded": row[1], "down": row[2]}
        mask = status_mask.load(first, now, now)
        if mask:
            counts = mask.adjust(component or "overall", first, floor_to(now, period) + size, counts, now)
        return uptime(counts)["uptime_pct"]

    return live.last_good(f"badge:{component}:{window}", load, default=None)


def _uptime_colour(value: float | None) -> str:
    if value is None:
        return STATE_TEXT["unknown"][1]
    if value >= 99.9:
        return STATE_TEXT["up"][1]
    return STATE_TEXT["degraded"][1] if value >= 99 else STATE_TEXT["down"][1]


def _format(value: float | None) -> str:
    if value is None:
        return "no data"
    return f"{min(value, 99.99) if value < 100 else 100:.2f}%".replace("100.00%", "100%")


def badge(component: str | None = None, window: str | None = None) -> str:
    """The SVG text: `<label> | <state>`, or `<label> uptime <window> | <percent>`."""
    validate(component, window)
    label = COMPONENT_NAMES[component] if component else "status"
    if window is None:
        value, colour = STATE_TEXT[_state(component)]
    else:
        pct = uptime_pct(component, window)
        label, value, colour = f"{label} uptime {window}", _format(pct), _uptime_colour(pct)
    return render(label, value, colour)


def render(label: str, value: str, colour: str) -> str:
    lw, vw = len(label) * CHAR_WIDTH + 10, len(value) * CHAR_WIDTH + 10
    label_e, value_e, title = escape(label), escape(value), escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + vw}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{lw + vw}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{vw}" height="20" fill="{colour}"/>'
        f'<rect width="{lw + vw}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{lw / 2:.1f}" y="14">{label_e}</text><text x="{lw + vw / 2:.1f}" y="14">{value_e}</text></g>'
        f"</svg>"
    )
