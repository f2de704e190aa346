// Admin pages: confirmations and Flask-Admin's bulk actions, wired here rather than by inline
// onclick handlers, which the Content-Security-Policy does not allow.
(function () {
  if (window.levqorAdminWired) return;  // included once per page, but be safe if twice
  window.levqorAdminWired = true;
  document.addEventListener("click", function (ev) {
    const action = ev.target.closest("[data-model-action]");
    if (action) {
      ev.preventDefault();
      window.modelActions.execute(action.dataset.modelAction);
      return;
    }
    const confirmer = ev.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) ev.preventDefault();
  });
  // Give Flask-Admin's title-only checkboxes a real accessible name.
  document.querySelectorAll("input[title]:not([aria-label])").forEach((el) => el.setAttribute("aria-label", el.title));
})();
