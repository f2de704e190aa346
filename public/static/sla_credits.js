// /sla-credits: checks the claim form before sending and lists the claims (a static file: the CSP allows no inline script).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("sla-form");
  if (!form) return;
  const say = levqor.say;  // the page's words (sla_credits.html `words`), English as written here otherwise
  const allowed = form.dataset.allowed.split(" ");
  const maxMb = Number(form.dataset.maxMb);
  const maxBytes = maxMb * 1024 * 1024;
  const fields = ["subscription_id", "period_start", "period_end", "claimed_downtime_minutes", "description", "attachment"];

  const showErrors = (errors) => {
    fields.forEach((f) => {
      const el = document.getElementById("err-" + f);
      const input = document.getElementById(f);
      el.textContent = errors[f] || "";
      el.hidden = !errors[f];
      input.setAttribute("aria-invalid", errors[f] ? "true" : "false");
      if (errors[f]) input.setAttribute("aria-describedby", "err-" + f); else input.removeAttribute("aria-describedby");
    });
  };

  const check = () => {
    const e = {};
    const start = form.period_start.value ? new Date(form.period_start.value) : null;
    const end = form.period_end.value ? new Date(form.period_end.value) : null;
    if (!start) e.period_start = say("no_start", "Enter when the outage started.");
    if (!end) e.period_end = say("no_end", "Enter when the outage ended.");
    if (start && end && start >= end) e.period_end = say("end_before_start", "The period must end after it starts.");
    else if (end && end > new Date()) e.period_end = say("end_in_future", "The period cannot end in the future.");
    const minutes = form.claimed_downtime_minutes.value.trim();
    if (!/^\d+$/.test(minutes)) {
      e.claimed_downtime_minutes = say("minutes", "Enter the downtime in whole minutes (0 or more).");
    } else if (start && end && start < end && Number(minutes) > (end - start) / 60000) {
      e.claimed_downtime_minutes = say("minutes_too_long", "The downtime cannot be longer than the period.");
    }
    if (!form.description.value.trim()) e.description = say("no_description", "Describe what you saw.");
    const file = form.attachment.files[0];
    if (file) {
      const ext = "." + file.name.split(".").pop().toLowerCase();
      if (!allowed.includes(ext === ".jpeg" ? ".jpg" : ext)) e.attachment = say("file_type", "Attach one of " + allowed.join(" ") + ".");
      else if (file.size > maxBytes) e.attachment = say("file_size", "At most " + maxMb + " MB.");
    }
    return e;
  };

  const statusLabel = (s) => levqor.word("statuses", s);
  // Amounts come formatted by the server (Babel), so zero-decimal currencies are never divided by 100 here.
  const money = (display) => display || "—";

  const renderClaims = (rows) => {
    const table = document.getElementById("sla-claims");
    const body = table.querySelector("tbody");
    body.replaceChildren();
    rows.forEach((c) => {
      const tr = document.createElement("tr");
      tr.dataset.ticket = c.ticket_id;
      const cells = [c.ticket_id, levqor.fmt(c.period_start) + " – " + levqor.fmt(c.period_end),
                     say("min", "%(count)s min", { count: c.claimed_downtime_minutes }), null,
                     money(c.credit_amount_display) + (c.credit_state_display ? " — " + c.credit_state_display : "") +
                       (c.explanation ? " — " + c.explanation : ""), c.notes || "",
                     levqor.fmt(c.created_at)];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        if (i === 3) {
          const pill = document.createElement("span");
          pill.className = "pill pill-" + c.status;
          pill.textContent = statusLabel(c.status);
          td.appendChild(pill);
        } else if (i === 2) {
          const link = document.createElement("a");
          link.className = "checks-csv";
          link.href = "/api/support/sla-credit/" + c.id + "/checks.csv";
          link.setAttribute("download", "");
          link.textContent = say("checks", "our 5-minute checks (CSV)");
          td.append(text, document.createElement("br"), link);
        } else td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.hidden = rows.length === 0;
    document.getElementById("no-claims").hidden = rows.length > 0;
  };

  // As the window is picked, show our measurement of the billing period holding it: the figures staff will see
  // (GET /api/support/sla-credit/preview). The same sentence as the template's preview_text macro.
  const preview = document.getElementById("sla-preview");
  document.getElementById("sla-preview-button").hidden = true;  // the live preview replaces the form's button
  document.querySelectorAll(".tz-note").forEach((el) => { el.textContent = say("local_time", "(your local time)"); });
  const amount = (minor, currency) => {
    const nf = new Intl.NumberFormat(document.documentElement.lang || "en-US", { style: "currency", currency });
    return nf.format(minor / 10 ** nf.resolvedOptions().maximumFractionDigits);
  };
  const day = (iso) => iso.slice(0, 10);
  const previewText = (p) => {
    let text = say("measured", "Our measurement of your billing period (%(start)s – %(end)s%(so_far)s):", {
      start: day(p.billing_period_start), end: day(p.billing_period_end), so_far: p.provisional ? say("so_far", ", so far") : "",
    }) + " " +
      (p.monthly_uptime_percent === null ? say("no_data", "no data yet") :
        say("uptime", "%(pct)s % uptime", { pct: levqor.number(p.monthly_uptime_percent, 2) })) + ", " +
      (p.suggested_credit_amount ? say("credit", "credit %(amount)s", { amount: p.suggested_credit_display }) :
        say("no_credit", "no credit due")) + ".";
    if (p.credited_before) {
      text += " " + say("credited", "Already credited for this period: %(amount)s.", { amount: amount(p.credited_before, p.currency) });
    }
    if (p.no_data_percent) {
      text += " " + say("no_data_part", "No data for %(pct)s % of it (not counted against you).",
                        { pct: levqor.number(p.no_data_percent, 2) });
    }
    return text + " " + say("runs", "Your workflow runs in this window: %(total)s, %(failed)s failed.",
                            { total: p.affected_runs.total, failed: p.affected_runs.failed });
  };
  let asked = 0;  // only the newest answer is shown when the window changes quickly
  const showPreview = async () => {
    const start = form.period_start.value ? new Date(form.period_start.value) : null;
    const end = form.period_end.value ? new Date(form.period_end.value) : null;
    const mine = ++asked;
    if (!start || !end || start >= end) { preview.hidden = true; return; }
    const query = new URLSearchParams({ subscription_id: form.subscription_id.value,
                                        period_start: start.toISOString(), period_end: end.toISOString() });
    const res = await levqor.api("GET", "/api/support/sla-credit/preview?" + query);
    if (mine !== asked) return;
    if (res.status === 200) preview.textContent = previewText(res.data);
    else preview.textContent = say("unmeasurable", "We cannot measure this window: %(why)s",
      { why: Object.values(res.data.fields || {})[0] || res.data.message || say("try_another", "try another one") });
    preview.hidden = false;
  };
  ["subscription_id", "period_start", "period_end"].forEach((f) => form[f].addEventListener("change", showPreview));

  // While the window is being drawn, show what we recorded in it: incidents and scheduled maintenance.
  const overlaps = document.getElementById("sla-overlaps");
  const showOverlaps = async () => {
    const start = form.period_start.value ? new Date(form.period_start.value) : null;
    const end = form.period_end.value ? new Date(form.period_end.value) : null;
    if (!start || !end || start >= end) { overlaps.hidden = true; return; }
    const query = new URLSearchParams({ period_start: start.toISOString(), period_end: end.toISOString() });
    const res = await levqor.api("GET", "/api/support/sla-credit/overlaps?" + query);
    if (res.status !== 200) { overlaps.hidden = true; return; }
    overlaps.replaceChildren();
    const items = [
      ...res.data.incidents.map((i) => say("incident", "Incident: %(title)s", { title: i.title }) + " (" +
        levqor.word("impacts", i.impact) + (i.components.length ? ", " + i.components.join(", ") : "") + "), " +
        levqor.fmt(i.started_at) + " – " + (i.resolved_at ? levqor.fmt(i.resolved_at) : say("ongoing", "ongoing"))),
      ...res.data.maintenances.map((m) => say("maintenance", "Scheduled maintenance: %(title)s", { title: m.title }) + ", " +
        levqor.fmt(m.starts_at) + " – " + levqor.fmt(m.ends_at) + " " + say("not_downtime", "(not counted as downtime)")),
    ];
    const title = document.createElement("p");
    title.textContent = items.length ? say("recorded", "We recorded in this window:") :
      say("recorded_none", "We recorded no incident in this window. You can still file: every claim is checked against our monitoring.");
    overlaps.append(title);
    if (items.length) {
      const list = document.createElement("ul");
      items.forEach((text) => { const li = document.createElement("li"); li.textContent = text; list.append(li); });
      overlaps.append(list);
    }
    overlaps.hidden = false;
  };
  form.period_start.addEventListener("change", showOverlaps);
  form.period_end.addEventListener("change", showOverlaps);

  document.querySelectorAll("#sla-claims time").forEach((t) => { t.textContent = levqor.fmt(t.getAttribute("datetime")); });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const confirmation = document.getElementById("sla-confirmation");
    confirmation.hidden = true;
    const errors = check();
    showErrors(errors);
    if (Object.keys(errors).length) return;
    const data = new FormData();
    data.append("subscription_id", form.subscription_id.value);
    data.append("period_start", new Date(form.period_start.value).toISOString());
    data.append("period_end", new Date(form.period_end.value).toISOString());
    data.append("claimed_downtime_minutes", form.claimed_downtime_minutes.value.trim());
    data.append("description", form.description.value);
    if (form.attachment.files[0]) data.append("attachment", form.attachment.files[0]);
    const button = document.getElementById("sla-submit");
    button.disabled = true;
    try {
      const res = await levqor.api("POST", "/api/support/sla-credit", data);
      if (res.status === 201) {
        confirmation.className = "flash";
        confirmation.innerHTML = "";
        const [before, after] = say("filed", "Claim filed. Your ticket id is %(ticket)s. We'll email you when support decides.")
          .split("%(ticket)s");
        const strong = document.createElement("strong");
        strong.id = "ticket-id";
        strong.textContent = res.data.ticket_id;
        confirmation.append(before, strong, after || "");
        confirmation.hidden = false;
        levqor.toast(say("filed_toast", "Claim %(ticket)s filed.", { ticket: res.data.ticket_id }));  // replaces any earlier error toast
        form.reset();
        overlaps.hidden = true;  // what we recorded in the old window no longer describes the empty form
        overlaps.replaceChildren();
        preview.hidden = true;  // nor does the measurement of the old window
        preview.replaceChildren();
        const list = await levqor.api("GET", "/api/support/sla-credit");
        if (list.status === 200) renderClaims(list.data.requests);
      } else {
        showErrors(res.data.fields || {});
        if (res.status === 404) showErrors({ subscription_id: res.data.message });
        else if (res.status === 409) showErrors({ period_start: res.data.message });
        else if (res.status === 413) showErrors({ attachment: say("file_size", "At most " + maxMb + " MB.") });
        levqor.toast(res.data.message || say("not_filed", "The claim could not be filed."), true);
      }
    } finally {
      button.disabled = false;
    }
  });
});
