// Swagger UI for /api/docs (vendored: static/vendor/swagger-ui, npm swagger-ui-dist pinned in package.json).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.dataset.specUrl, domNode: root, deepLinking: true,
    withCredentials: true, validatorUrl: null});
})();
