// Incident form: keep the banner preview in step with what staff type, before they save.
(function () {
  const preview = document.getElementById("banner-preview");
  if (!preview) return;
  const label = document.getElementById("banner-preview-label");
  const text = document.getElementById("banner-preview-text");
  const field = (id) => document.getElementById(id);

  function update() {
    const status = field("status") ? field("status").value : "investigating";
    const impact = field("impact") ? field("impact").value : "minor";
    const resolved = status === "resolved";
    preview.className = "levqor-banner levqor-banner-" + (resolved ? "resolved" : impact);
    label.textContent = resolved ? "Resolved:" : impact.charAt(0).toUpperCase() + impact.slice(1) + " incident:";
    const message = field("message") ? field("message").value.trim() : "";
    text.textContent = " " + (field("title") ? field("title").value : "") + (message ? " — " + message : "");
  }

  ["title", "status", "impact", "message"].forEach((id) => {
    const el = field(id);
    if (el) { el.addEventListener("input", update); el.addEventListener("change", update); }
  });
  update();
})();
