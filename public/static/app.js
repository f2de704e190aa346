// Small helpers shared by the public pages: CSRF-aware JSON calls and a toast.
(function () {
  const token = () => document.querySelector('meta[name="csrf-token"]').content;
  window.levqor = {
    async api(method, url, body) {
      const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
      if (method !== "GET") opts.headers["X-CSRFToken"] = token();
      if (body instanceof FormData) opts.body = body;
      else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
      const res = await fetch(url, opts);
      let data = {};
      try { data = await res.json(); } catch (e) { data = { ok: false, message: "Unexpected response (" + res.status + ")" }; }
      return { status: res.status, data };
    },
    toast(message, isError) {
      const el = document.getElementById("toast");
      el.textContent = message;
      el.className = "toast" + (isError ? " error" : "");
      el.hidden = false;
      clearTimeout(el._t);
      el._t = setTimeout(() => { el.hidden = true; }, 8000);
    },
    fmt(iso) { return iso ? new Date(iso).toLocaleString(undefined, { timeZoneName: "short" }) : "—"; },
  };
})();
