// Swagger UI for the API docs page, from the locally served bundle. The server-rendered
// reference stays visible when the bundle did not load (or scripts are off).
window.addEventListener("load", function () {
  "use strict";
  var target = document.getElementById("swagger-ui");
  if (!target || typeof SwaggerUIBundle === "undefined") return;
  document.getElementById("sz-reference").hidden = true;
  SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    defaultModelsExpandDepth: 0
  });
});
