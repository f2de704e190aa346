// /status and /status/history: times in the visitor's own zone (UTC stays in the hover title), and
// /status refreshes its body every minute without a full reload. A static file, no inline script,
// so a strict Content-Security-Policy (script-src 'self') allows it.
(function () {
  "use strict";
  const REFRESH_MS = 60 * 1000;
  // The page's words (status.html `script_words`); app.js loads first, but the history page may stand alone.
  const say = (key, english, values) => (window.levqor ? window.levqor.say(key, english, values) : english);

  function localize(root) {
    root.querySelectorAll("time[data-local]").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = when.toLocaleString(document.documentElement.lang || undefined, {
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
      enhanceDays(next);
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
      result.textContent = say("sending", "Sending…");
      try {
        // No cookie goes with it, so the page's language goes in Accept-Language: the error's `localized` is in it.
        const res = await fetch(form.dataset.api, {
          method: "POST", credentials: "omit",
          headers: { "Content-Type": "application/json", "Accept": "application/json",
                     "Accept-Language": document.documentElement.lang || "en" },
          body: JSON.stringify({ email }),
        });
        const data = levqor.localized(await res.json().catch(() => ({})));
        if (res.status === 202) { result.textContent = say("accepted", data.message); form.reset(); return; }
        const field = data.fields && data.fields.email;
        result.textContent = field || data.message ||
          say("failed", "Something went wrong (%(status)s). Try again later.", { status: res.status });
      } catch (e) {
        result.textContent = say("unreachable", "We could not reach the server. Check your connection and try again.");
      }
    });
  }

  // The 90-day bars: each day is a button; a tap, a click or Enter opens it in the panel under its bar.
  // Arrow keys, Home and End move between days (one tab stop per bar).
  // The server sends each day as a plain named button; only with this script does it open a panel, so
  // only now does it say so (aria-controls, aria-expanded).
  function enhanceDays(root) {
    root.querySelectorAll(".day-bar-wrap").forEach((wrap) => {
      const panel = wrap.querySelector(".day-detail");
      if (!panel) return;
      wrap.querySelectorAll(".day-cell").forEach((cell) => {
        cell.setAttribute("aria-controls", panel.id);
        cell.setAttribute("aria-expanded", "false");
      });
    });
  }

  function openDay(cell) {
    const panel = document.getElementById(cell.getAttribute("aria-controls"));
    if (!panel) return;
    const bar = cell.closest(".day-bar");
    const wasOpen = cell.getAttribute("aria-expanded") === "true";
    bar.querySelectorAll(".day-cell").forEach((c) => c.setAttribute("aria-expanded", "false"));
    if (wasOpen) { panel.hidden = true; return; }
    const head = document.createElement("p");
    const date = document.createElement("strong");
    const label = cell.getAttribute("aria-label");  // "<date>: <what the day was>" (no date has ": ")
    const cut = label.indexOf(": ");
    date.textContent = label.slice(0, cut);
    head.append(date, " · " + label.slice(cut + 2));
    panel.replaceChildren(head);
    const info = cell.dataset.info && document.getElementById(cell.dataset.info);
    if (info) panel.append(...Array.from(info.childNodes, (n) => n.cloneNode(true)));
    else {
      const none = document.createElement("p");
      none.textContent = say("no_events", "No incidents or maintenance.");
      panel.append(none);
    }
    cell.setAttribute("aria-expanded", "true");
    panel.hidden = false;
  }

  function visibleCells(bar) {
    return Array.from(bar.querySelectorAll(".day-cell")).filter((c) => c.offsetParent !== null);
  }

  function setupDays(root) {
    root.addEventListener("click", (event) => {
      const cell = event.target.closest(".day-cell");
      if (cell) openDay(cell);
    });
    root.addEventListener("keydown", (event) => {
      const cell = event.target.closest(".day-cell");
      if (!cell) return;
      const cells = visibleCells(cell.closest(".day-bar"));
      const at = cells.indexOf(cell);
      const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: cells.length - 1 }[event.key];
      if (to === undefined || !cells[to]) return;
      event.preventDefault();
      cell.tabIndex = -1;
      cells[to].tabIndex = 0;
      cells[to].focus();
    });
  }

  function start() {
    setupSubscribe();
    enhanceDays(document);
    setupDays(document);
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
