// A form that comes back with errors moves focus to its error summary (the GOV.UK Design System pattern), so a
// screen reader announces the problems and a keyboard user starts from the links to the fields.
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    // Open a closed panel holding the field (a waiver, a desk call) before moving to it.
    var panel = target.closest("details");
    if (panel) panel.open = true;
    event.preventDefault();
    target.focus();
    target.scrollIntoView({ block: "center" });
  });
})();
