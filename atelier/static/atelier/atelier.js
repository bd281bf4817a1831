// Atelier: small progressive enhancements on top of Bootstrap and htmx. Pages work without it.
(function () {
  "use strict";

  // Show htmx request failures instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var box = document.getElementById("at-htmx-error");
    if (!box) return;
    box.querySelector("[data-status]").textContent = status ? " (" + status + ")" : "";
    box.classList.remove("d-none");
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("at-htmx-error");
    if (box) box.classList.remove("d-none");
  });

  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
