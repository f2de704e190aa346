// The support console: give Flask-Admin's title-only checkboxes a real accessible name.
(function () {
  document.querySelectorAll("input[title]:not([aria-label])").forEach((el) => el.setAttribute("aria-label", el.title));
})();
