// "Exit this page" (the GOV.UK Design System pattern): the button, or the Shift key pressed three times within
// a second, blanks this page at once and replaces it with a neutral site, so the page someone may be watching
// for leaves no entry behind in this tab's history (location.replace does not add one).
(function () {
  var link = document.getElementById("exit-this-page");
  if (!link) return;
  var target = link.getAttribute("href");
  function exit(event) {
    if (event) event.preventDefault();
    document.title = "Loading";
    document.body.innerHTML = "";
    document.body.className = "exiting";
    window.location.replace(target);
  }
  link.addEventListener("click", exit);
  var presses = [];
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { presses = []; return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1000; });
    presses.push(now);
    if (presses.length >= 3) exit();
  });
})();
