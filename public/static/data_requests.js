// /data-requests: request an export, and keep the history table current while exports are in progress.
(function () {
  const button = document.getElementById("request-export");
  const state = document.getElementById("request-state");
  const result = document.getElementById("request-result");
  const table = document.getElementById("exports");
  const empty = document.getElementById("no-exports");
  const days = Number(button.dataset.throttleDays);
  const POLL_MS = 2000;
  let timer = null;

  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  function when(iso) {
    const t = document.createElement("time");
    t.setAttribute("datetime", iso);
    t.textContent = levqor.fmt(iso);
    t.title = levqor.utc(iso);
    return t;
  }

  function dateCell(iso) {
    const td = document.createElement("td");
    if (iso) td.appendChild(when(iso)); else td.textContent = "—";
    return td;
  }

  // The button tells the truth before the click: disabled, with the reason and the date it frees up.
  function throttledUntil(iso) {
    button.disabled = true;
    const [before, after] = levqor.say("throttled", "You have already requested an export in the last " + days +
      " days. You can request the next one from %(day)s.").split("%(day)s");
    state.replaceChildren(before, when(iso), after || "");
  }

  function render(exports) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const e of exports) {
      const tr = document.createElement("tr");
      tr.dataset.id = e.id;
      tr.dataset.status = e.status;
      tr.appendChild(dateCell(e.requested_at));
      const status = document.createElement("td");
      const pill = document.createElement("span");
      pill.className = "pill pill-" + e.status;
      pill.textContent = levqor.word("statuses", e.retrying ? "retrying" : e.status);
      status.appendChild(pill);
      if (e.retrying) {  // the worker died or the queue lost the job: say so, and why
        const why = document.createElement("span");
        why.className = "muted reason";
        why.textContent = " " + e.reason;
        status.appendChild(why);
      }
      tr.appendChild(status);
      tr.appendChild(dateCell(e.completed_at));
      const link = document.createElement("td");
      if (e.download_url) {
        const a = document.createElement("a");
        a.href = e.download_url;
        a.textContent = levqor.say("download", "Download");
        const until = document.createElement("span");
        until.className = "muted";
        const [before, after] = levqor.say("until", " (until %(day)s)").split("%(day)s");
        until.append(before, when(e.expires_at), after || "");
        link.append(a, until);
      } else {
        link.textContent = "—";
      }
      tr.appendChild(link);
      body.appendChild(tr);
    }
    table.hidden = exports.length === 0;
    empty.hidden = exports.length !== 0;
    const busy = exports.some((e) => e.status === "pending" || e.status === "running");
    clearTimeout(timer);
    if (busy) timer = setTimeout(refresh, POLL_MS);
  }

  async function refresh() {
    const res = await levqor.api("GET", "/api/dsar/exports");
    if (res.status === 200) render(res.data.exports);
    else timer = setTimeout(refresh, POLL_MS * 3);
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    const res = await levqor.api("POST", "/api/dsar/export");
    if (res.status === 202) {
      result.textContent = levqor.say("requested", "Export requested. We'll email you a download link when it is ready.");
      levqor.toast(levqor.say("requested_toast", "We'll email you a download link"));
      throttledUntil(new Date(Date.now() + days * 86400000).toISOString());
    } else if (res.status === 429 && res.data.next_allowed_at) {
      throttledUntil(res.data.next_allowed_at);  // one message, one date format: the state line says it
      result.textContent = "";
      levqor.toast(levqor.say("throttled_toast", "You have already requested an export recently."), true);
    } else {
      const message = res.data.message || levqor.say("failed", "Your request could not be made.");
      result.textContent = message;
      levqor.toast(message, true);
      button.disabled = false;
    }
    refresh();
  });

  if (document.querySelector('#exports tr[data-status="pending"], #exports tr[data-status="running"]')) {
    timer = setTimeout(refresh, POLL_MS);
  }
})();
