// Lernen 25: behaviour of the whole site. No inline scripts (strict CSP): everything is here.
(function () {
  "use strict";

  // htmx sends Django's CSRF token with every non-GET request.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var cookie = document.cookie.split("; ").find(function (row) { return row.indexOf("csrftoken=") === 0; });
    var value = token ? token.value : (cookie ? cookie.split("=")[1] : null);
    if (value) { event.detail.headers["X-CSRFToken"] = value; }
  });

  // Panels marked data-open-wide start open where there is room beside the content (filters).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(min-width: 62rem)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (panel) { panel.open = true; });
    }
  });

  // Move focus to the error summary after a failed submit, so screen readers hear it (WCAG 3.3.1).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
  });
})();
