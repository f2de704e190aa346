"""Checks a person would make with their eyes, done in Chromium: sideways scrolling, axe-core's
accessibility rules, contrast of form controls, and a visible focus ring."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                         " - document.documentElement.clientWidth")


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's serious and critical violations on the page, one readable line each."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in impacts]


CONTROL_CONTRAST = (Path(__file__).parent / "control_contrast.js").read_text()


def low_contrast_controls(page) -> list[str]:
    """Form controls whose edge (border, or a filled background) is under 3:1 against the page."""
    return page.evaluate(CONTROL_CONTRAST)


def focus_ring_of(page, selector: str) -> str:
    """The outline or box-shadow a keyboard user sees on `selector` after tabbing to it."""
    page.focus(selector)
    return page.evaluate("""(sel) => { const s = getComputedStyle(document.querySelector(sel));
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? 'outline ' + s.outlineWidth : '')
             + (s.boxShadow && s.boxShadow !== 'none' ? ' shadow' : ''); }""", selector)


def check_page(page, url: str, *, sizes=(PHONE, DESKTOP), axe: bool = True) -> list[str]:
    """Load `url` at each size; return every problem found, prefixed with where it was found."""
    problems = []
    for size in sizes:
        page.set_viewport_size(size)
        res = page.goto(url)
        where = f"{url} @{size['width']}px"
        if res is None or res.status >= 500:
            problems.append(f"{where}: HTTP {res.status if res else '?'}")
            continue
        page.wait_for_load_state("networkidle")
        overflow = horizontal_overflow(page)
        if overflow > 0:
            problems.append(f"{where}: scrolls sideways by {overflow}px")
        problems += [f"{where}: control contrast {c}" for c in low_contrast_controls(page)]
        if axe:
            problems += [f"{where}: {v}" for v in axe_violations(page)]
    return problems
