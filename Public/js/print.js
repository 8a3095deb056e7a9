// Buttons marked data-print print the page (inline handlers are not allowed by the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
