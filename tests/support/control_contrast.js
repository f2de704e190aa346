// WCAG relative luminance and contrast of each control's border (or its fill) against whatever is
// painted behind it; transparent layers are skipped down to the first opaque one. Returns the failures.
(() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const behind = (el) => { for (let n = el.parentElement; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || c[3] > 0) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const out = [];
  // Checkboxes and radios are drawn by the browser (or by a styled label); a button with neither border
  // nor fill is a text button, which axe's text-contrast rule covers.
  for (const el of document.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button")) {
    if (!el.offsetParent) continue;
    const s = getComputedStyle(el);
    const fill = rgb(s.backgroundColor);
    const filled = fill.length === 3 || fill[3] > 0;
    const border = rgb(s.borderTopColor);
    const edge = parseFloat(s.borderTopWidth) > 0 && (border.length === 3 || border[3] > 0) ? border.slice(0, 3) : null;
    if (!edge && !filled) continue;
    const best = Math.max(edge ? ratio(edge, behind(el)) : 1, filled ? ratio(fill.slice(0, 3), behind(el)) : 1);
    if (best < 3) out.push((el.id || el.name || el.tagName) + " " + best.toFixed(2) + ":1");
  }
  return out;
})
