// /status and /status/history: times in the visitor's own zone (UTC stays in the hover title), and
// /status refreshes its body every minute without a full reload. A static file, no inline script,
// so a strict Content-Security-Policy (script-src 'self') allows it.
(function () {
  "use strict";
  const REFRESH_MS = 60 * 1000;

  function localize(root) {
    root.querySelectorAll("time[data-local]").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = when.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
      });
      el.dataset.localized = "1";
    });
  }

  async function refresh(container) {
    if (document.hidden) return;  // a background tab costs nothing; it refreshes when shown again
    try {
      const res = await fetch(container.dataset.refresh, { headers: { "Accept": "text/html" }, credentials: "omit" });
      if (!res.ok) return;  // keep what is shown; the next minute tries again
      const html = await res.text();
      const next = new DOMParser().parseFromString(html, "text/html").body;
      if (!next.querySelector(".status-page")) return;
      localize(next);
      container.replaceChildren(...next.childNodes);
      container.dataset.refreshedAt = new Date().toISOString();
    } catch (e) {
      // offline or the server is unreachable: keep the last good view
    }
  }

  function start() {
    localize(document);
    const container = document.querySelector("[data-refresh]");
    if (!container) return;
    const every = Number(container.dataset.refreshMs) || REFRESH_MS;
    setInterval(() => refresh(container), every);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(container); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
