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

  // The subscribe box: one JSON call (no CSRF token needed: no session is involved); the answer is the
  // same whatever the address's state, and so is what we show.
  function setupSubscribe() {
    const form = document.getElementById("subscribe-form");
    if (!form) return;
    const result = document.getElementById("subscribe-result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = form.elements.email.value.trim();
      result.textContent = "Sending…";
      try {
        const res = await fetch(form.dataset.api, {
          method: "POST", credentials: "omit",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ email }),
        });
        const data = await res.json().catch(() => ({}));
        if (res.status === 202) { result.textContent = data.message; form.reset(); return; }
        const field = data.fields && data.fields.email;
        result.textContent = field || data.message || ("Something went wrong (" + res.status + "). Try again later.");
      } catch (e) {
        result.textContent = "We could not reach the server. Check your connection and try again.";
      }
    });
  }

  function start() {
    setupSubscribe();
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
