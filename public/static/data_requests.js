// /data-requests: request an export, and keep the history table current while exports are in progress.
(function () {
  const button = document.getElementById("request-export");
  const result = document.getElementById("request-result");
  const table = document.getElementById("exports");
  const empty = document.getElementById("no-exports");
  const POLL_MS = 2000;
  let timer = null;

  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  function render(exports) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const e of exports) {
      const tr = document.createElement("tr");
      tr.dataset.id = e.id;
      tr.dataset.status = e.status;
      tr.appendChild(cell(levqor.fmt(e.requested_at)));
      const status = document.createElement("td");
      const pill = document.createElement("span");
      pill.className = "pill pill-" + e.status;
      pill.textContent = e.retrying ? "retrying" : e.status;
      status.appendChild(pill);
      if (e.retrying) {  // the worker died or the queue lost the job: say so, and why
        const why = document.createElement("span");
        why.className = "muted reason";
        why.textContent = " " + e.reason;
        status.appendChild(why);
      }
      tr.appendChild(status);
      tr.appendChild(cell(levqor.fmt(e.completed_at)));
      const link = document.createElement("td");
      if (e.download_url) {
        const a = document.createElement("a");
        a.href = e.download_url;
        a.textContent = "Download";
        link.appendChild(a);
        link.append(" (until " + levqor.fmt(e.expires_at) + ")");
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
    try {
      const res = await levqor.api("POST", "/api/dsar/export");
      if (res.status === 202) {
        result.textContent = "Export requested. We'll email you a download link when it is ready.";
        levqor.toast("We'll email you a download link");
      } else {
        let message = res.data.message || "Your request could not be made.";
        if (res.data.next_allowed_at) message += " (next allowed: " + levqor.fmt(res.data.next_allowed_at) + ")";
        result.textContent = message;
        levqor.toast(message, true);
      }
    } finally {
      button.disabled = false;
      refresh();
    }
  });

  document.querySelectorAll(".when").forEach((el) => { if (el.dataset.iso) el.textContent = levqor.fmt(el.dataset.iso); });
  if (document.querySelector('#exports tr[data-status="pending"], #exports tr[data-status="running"]')) {
    timer = setTimeout(refresh, POLL_MS);
  }
})();
