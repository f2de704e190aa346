// /sla-credits: write to support on a claim, or dispute its decision; the page then shows the claim as it is now.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".claim-thread time").forEach((t) => {
    const value = t.getAttribute("datetime");
    if (value && value.length > 10) t.textContent = levqor.fmt(value);
  });
  document.querySelectorAll("form.sla-message, form.sla-dispute").forEach((form) => {
    const text = form.querySelector("textarea");
    const error = form.querySelector(".field-error");
    const field = text.name;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const show = (message) => {
        error.textContent = message || "";
        error.hidden = !message;
        text.setAttribute("aria-invalid", message ? "true" : "false");
        if (message) text.setAttribute("aria-describedby", error.id); else text.removeAttribute("aria-describedby");
      };
      if (!text.value.trim()) {
        show(field === "body" ? levqor.say("no_body", "Write a message.") :
          levqor.say("no_reason", "Say why you disagree with the decision."));
        return;
      }
      show("");
      let body = { [field]: text.value };
      const file = form.querySelector("input[type=file]");
      if (file && file.files[0]) {
        body = new FormData();
        body.append(field, text.value);
        body.append("attachment", file.files[0]);
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const res = await levqor.api("POST", form.dataset.url, body);
        if (res.status === 201) {
          levqor.toast(field === "body" ? levqor.say("sent", "Message sent.") :
            levqor.say("disputed", "Dispute filed. We'll email you the outcome."));
          window.location.reload();
        } else {
          show((res.data.fields || {})[field] || (res.data.fields || {}).attachment || res.data.message);
          levqor.toast(res.data.message || levqor.say("did_not_work", "That did not work."), true);
        }
      } finally {
        button.disabled = false;
      }
    });
  });
});
