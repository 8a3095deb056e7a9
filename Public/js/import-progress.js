// Keeps an import's page current while it runs: polls its progress every two seconds and updates the
// figures in place (the status line is a polite live region). When it ends, the page reloads once to show
// the rejected rows. Without script, the "Check progress" link does the same by hand.
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-running") !== "true") return;
  var url = box.getAttribute("data-progress-url");
  function set(field, value) {
    var el = box.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = String(value);
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) return;
        ["rows", "created", "updated", "unchanged", "rejected", "percent"].forEach(function (f) { set(f, run[f]); });
        var bar = box.querySelector("progress");
        if (bar) bar.value = run.percent;
        if (run.running) { setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
