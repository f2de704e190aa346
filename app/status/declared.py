"""What staff declared on top of what was measured: open incidents and maintenance in progress give
the per-component declared state, the `indicator` and the headline (the page, /api/status and v2 agree).

The words are Atlassian Statuspage's: a component is operational, degraded_performance, partial_outage,
major_outage or under_maintenance; the page's indicator is none/minor/major/critical/maintenance. An
incident declares its impact on the components it names (none named: all of them); an update may set
each affected component's status (`IncidentUpdate.components`), which holds until a later update or
the resolution changes it. /api/status keeps its levels (up, degraded, down, maintenance).
"""
from __future__ import annotations

from app.models.status import COMPONENTS, declared_statuses, worse_of
from app.status.checks import overall_of

COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
# Worst last: the one state of a component is the worse of measured and declared in this order.
COMPONENT_RANK = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
STATUS_WORDS = {"operational": "Operational", "degraded_performance": "Degraded performance",
                "partial_outage": "Partial outage", "major_outage": "Major outage",
                "under_maintenance": "Under maintenance"}
MEASURED_STATUS = {"up": "operational", "degraded": "degraded_performance", "down": "major_outage"}
IMPACT_STATUS = {"minor": "degraded_performance", "major": "partial_outage", "critical": "major_outage"}
STATUS_LEVEL = {"operational": "up", "degraded_performance": "degraded", "partial_outage": "down",
                "major_outage": "down", "under_maintenance": "maintenance"}
STATUS_INDICATOR = {"degraded_performance": "minor", "partial_outage": "major", "major_outage": "critical"}
LEVEL_INDICATOR = {"up": "none", "degraded": "minor", "down": "major", "unknown": "none"}
INDICATORS = ("none", "maintenance", "minor", "major", "critical")
DESCRIPTIONS = {"none": "All Systems Operational", "minor": "Minor Service Outage",
                "major": "Partial System Outage", "critical": "Major Service Outage",
                "maintenance": "Service Under Maintenance"}
UNKNOWN_HEADLINE = "Status unknown"


def headline(state: dict) -> str:
    """The page's big line, Statuspage's description of the same indicator as the v2 JSON; nothing
    measured and nothing declared is "Status unknown", not "operational"."""
    if state["overall"] == "unknown" and state.get("indicator") in (None, "none"):
        return UNKNOWN_HEADLINE
    return DESCRIPTIONS[state.get("indicator") or LEVEL_INDICATOR.get(state["overall"], "none")]


def worse_status(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=COMPONENT_RANK.index)


def incident_statuses(incident) -> dict[str, str]:
    """{component: Statuspage status} this open incident declares: its impact on the components it
    names, then each update's `components` in order (oldest first), the newest word winning."""
    out = dict.fromkeys(_get(incident, "components") or COMPONENTS,
                        IMPACT_STATUS.get(_get(incident, "impact"), "degraded_performance"))
    for update in reversed(list(_get(incident, "updates") or [])):  # updates are listed newest first
        for component, status in declared_statuses(update).items():
            if component in COMPONENTS and status in COMPONENT_STATUSES:
                out[component] = status
    return out


def declared_state(state: dict, open_incidents: list, active_maintenance: list = ()) -> dict:
    """The measured state with what staff declared on top. Adds, per component: `declared_status`
    (Statuspage's word, or None), `declared` (its level for /api/status), `status` (the one state the
    page shows: the worse of measured and declared, None when neither says anything) and `source`
    ("declared" or "measured"). Overall is the worse of measured and declared, leaving out components
    under maintenance (planned work is not an outage); the `indicator` is what the page headline,
    /api/status and Statuspage's v2 indicator all say."""
    under = {c for m in active_maintenance for c in (_get(m, "components") or COMPONENTS)}
    measured = overall_of(lvl for c, lvl in state["levels"].items() if c not in under)
    declared: dict[str, str | None] = {c: "under_maintenance" if c in under else None for c in COMPONENTS}
    indicator = LEVEL_INDICATOR.get(measured, "none")
    for incident in open_incidents:
        for component, status in incident_statuses(incident).items():
            declared[component] = worse_status(declared[component], status)
        impact = incident.impact if incident.impact in INDICATORS else "minor"
        indicator = max(indicator, impact, key=INDICATORS.index)
    for status in declared.values():
        indicator = max(indicator, STATUS_INDICATOR.get(status, "none"), key=INDICATORS.index)
    if indicator == "none" and under:
        indicator = "maintenance"
    levels = {c: STATUS_LEVEL[s] if s else None for c, s in declared.items()}
    overall = worse_of([measured, *filter(None, levels.values())])
    if overall == "unknown" and under and measured == "unknown" and state["overall"] != "unknown":
        overall = "up"  # every monitored component is under maintenance: nothing is down
    one, source = {}, {}
    for c in COMPONENTS:
        seen = None if c in under else MEASURED_STATUS.get(state["levels"][c])
        one[c] = worse_status(seen, declared[c])
        source[c] = _source(seen, declared[c])
    return state | {"measured_overall": state["overall"], "overall": overall, "declared": levels,
                    "declared_status": declared, "status": one, "source": source, "indicator": indicator}


def _source(seen: str | None, declared: str | None) -> str | None:
    """Which side the one state comes from: what staff declared when it is not better than measured."""
    if declared not in (None, "operational") and (
            seen is None or COMPONENT_RANK.index(declared) >= COMPONENT_RANK.index(seen)):
        return "declared"
    return "measured" if seen else "declared" if declared else None


def _get(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)
