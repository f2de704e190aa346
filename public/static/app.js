// Shared by the public pages: CSRF-aware JSON calls, one toast, one date format, phone-width tables,
// dismissable incident banners, and the words the page scripts write in the page's language.
(function () {
  const token = () => document.querySelector('meta[name="csrf-token"]').content;
  const lang = () => document.documentElement.lang || undefined;

  // The page renders its scripts' words through the catalogue into #page-words (base.html), as JSON in a data
  // attribute: a static script under a strict CSP cannot be templated. A word the page lacks stays the script's
  // English; "%(name)s" takes a value.
  const WORDS = (() => {
    const el = document.getElementById("page-words");
    try { return el ? JSON.parse(el.dataset.words) : {}; } catch (e) { return {}; }
  })();
  function say(key, english, values) {
    const text = typeof WORDS[key] === "string" ? WORDS[key] : english;
    return text.replace(/%\((\w+)\)s/g, (all, name) => (values && name in values ? String(values[name]) : all));
  }
  // A computed word (a status, an impact) from the page's list of them, else as it came.
  function word(group, value) { return (WORDS[group] || {})[value] || value; }
  // A number with exactly `digits` decimals, as the page's language writes it ("99.95" / "99,95").
  function number(value, digits) {
    return new Intl.NumberFormat(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  }
  // A failed call's words for the person: the API's `message` and `fields` stay English for programs; for a
  // visitor in another language the error carries them again in `localized` (see README "Languages").
  function localized(data) {
    return data && data.localized ? Object.assign({}, data, data.localized) : data;
  }
  const DATE = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
                 timeZoneName: "short" };
  const pad = (n) => String(n).padStart(2, "0");

  // One human format everywhere, in the visitor's zone; the exact UTC time goes in the tooltip.
  function fmt(iso) { return iso ? new Date(iso).toLocaleString(lang(), DATE) : "—"; }
  function utc(iso) {
    const d = new Date(iso);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }
  function localizeDates(root) {
    root.querySelectorAll("time[datetime]:not([data-relative]), .when[data-iso]").forEach((el) => {
      const iso = el.getAttribute("datetime") || el.dataset.iso;
      if (!iso || Number.isNaN(Date.parse(iso))) return;
      el.textContent = fmt(iso);
      el.title = utc(iso);
    });
  }

  // Stacked rows on a phone need each cell to say which column it is (see app.css).
  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((tr) => {
      Array.from(tr.children).forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
    });
  }
  function watchTables() {
    document.querySelectorAll("main table").forEach((table) => {
      labelCells(table);
      const body = table.tBodies[0];
      if (body) new MutationObserver(() => { labelCells(table); localizeDates(body); }).observe(body, { childList: true });
    });
  }

  // Dismissed banners stay dismissed on every page until the incident changes (keyed by its update time).
  const DISMISSED = "levqor.dismissedBanners";
  function dismissed() { try { return JSON.parse(localStorage.getItem(DISMISSED)) || []; } catch (e) { return []; } }
  function setupBanners() {
    const gone = dismissed();
    document.querySelectorAll(".banner[data-banner-key]").forEach((banner) => {
      if (gone.includes(banner.dataset.bannerKey)) { banner.remove(); return; }
      const button = banner.querySelector(".banner-dismiss");
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", () => {
        localStorage.setItem(DISMISSED, JSON.stringify(dismissed().concat(banner.dataset.bannerKey).slice(-50)));
        banner.remove();
      });
    });
  }

  window.levqor = {
    async api(method, url, body) {
      const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
      if (method !== "GET") opts.headers["X-CSRFToken"] = token();
      if (body instanceof FormData) opts.body = body;
      else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
      const res = await fetch(url, opts);
      let data = {};
      try { data = localized(await res.json()); } catch (e) {
        data = { ok: false, message: say("unexpected", "Unexpected response (%(status)s)", { status: res.status }) };
      }
      return { status: res.status, data };
    },
    // One toast at a time: a new message replaces the one showing (success clears an earlier error).
    toast(message, isError) {
      const el = document.getElementById("toast");
      el.textContent = message;
      el.className = "toast" + (isError ? " error" : "");
      el.hidden = false;
      clearTimeout(el._t);
      el._t = setTimeout(() => { el.hidden = true; }, 8000);
    },
    fmt,
    utc,
    localizeDates,
    say,
    word,
    number,
    localized,
  };

  document.addEventListener("DOMContentLoaded", () => {
    localizeDates(document);
    watchTables();
    setupBanners();
  });
})();
