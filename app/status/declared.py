"""What staff declared on top of what was measured: open incidents and maintenance in progress give
the per-component declared state, the `indicator` and the headline (the page, /api/status and v2 agree).
"""
from __future__ import annotations

from app.models.status import COMPONENTS, LEVEL_RANK, worse_of
from app.status.checks import overall_of

HEADLINES = {"none": "All systems operational", "minor": "Degraded performance", "major": "Outage",
             "critical": "Major outage", "maintenance": "Scheduled maintenance in progress",
             "unknown": "Status unknown"}
# Statuspage's vocabulary: an open incident's impact is the state staff declared for its components.
IMPACT_LEVEL = {"minor": "degraded", "major": "down", "critical": "down"}
LEVEL_INDICATOR = {"up": "none", "degraded": "minor", "down": "major", "unknown": "none"}


INDICATORS = ("none", "maintenance", "minor", "major", "critical")


def headline(state: dict) -> str:
    """The page's big line, from the same indicator as the v2 JSON; nothing measured and nothing
    declared is "Status unknown", not "operational"."""
    if state["overall"] == "unknown" and state.get("indicator") in (None, "none"):
        return HEADLINES["unknown"]
    return HEADLINES[state.get("indicator") or LEVEL_INDICATOR.get(state["overall"], "none")]


def declared_state(state: dict, open_incidents: list, active_maintenance: list = ()) -> dict:
    """The measured state with what staff declared on top: per component the worst open incident's
    level (an incident naming no component affects all) or "maintenance" while planned work is under
    way on it; overall the worse of measured and declared, leaving out components under maintenance
    (planned work is not an outage). The `indicator` (none/minor/major/critical/maintenance) is what
    the page headline, /api/status and Statuspage's v2 indicator all say."""
    under = {c for m in active_maintenance for c in (_get(m, "components") or COMPONENTS)}
    measured = overall_of(lvl for c, lvl in state["levels"].items() if c not in under)
    declared: dict[str, str | None] = {c: "maintenance" if c in under else None for c in COMPONENTS}
    indicator = LEVEL_INDICATOR.get(measured, "none")
    for incident in open_incidents:
        level = IMPACT_LEVEL.get(incident.impact, "degraded")
        for component in incident.components or COMPONENTS:
            if component in declared and LEVEL_RANK[level] > LEVEL_RANK.get(declared[component] or "unknown", -1):
                declared[component] = level
        impact = incident.impact if incident.impact in INDICATORS else "minor"
        indicator = max(indicator, impact, key=INDICATORS.index)
    if indicator == "none" and under:
        indicator = "maintenance"
    overall = worse_of([measured, *filter(None, declared.values())])
    if overall == "unknown" and under and measured == "unknown" and state["overall"] != "unknown":
        overall = "up"  # every monitored component is under maintenance: nothing is down
    return state | {"measured_overall": state["overall"], "overall": overall, "declared": declared,
                    "indicator": indicator}


def _get(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name)
