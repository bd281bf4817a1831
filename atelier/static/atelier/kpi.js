// KPI pages: small enhancements; every form works without them.
(function () {
  "use strict";

  // New plan: the provincial targets panel only while that template is chosen.
  function syncTemplate() {
    var chosen = document.querySelector("input[name=template]:checked");
    document.querySelectorAll("[data-kpi-show-for]").forEach(function (el) {
      el.hidden = !chosen || chosen.value !== el.getAttribute("data-kpi-show-for");
    });
  }

  // Plan editor: the bands input only for the threshold rule.
  function syncRule(select) {
    var bands = document.querySelectorAll("[data-kpi-bands-for='" + select.id + "']");
    bands.forEach(function (el) {
      el.hidden = select.value !== "thresholds";
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.name === "template") syncTemplate();
    if (el.hasAttribute && el.hasAttribute("data-kpi-rule")) syncRule(el);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("input[name=template]")) syncTemplate();
    document.querySelectorAll("[data-kpi-rule]").forEach(syncRule);
  });
})();
