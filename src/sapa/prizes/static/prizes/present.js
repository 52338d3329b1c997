// Presentation mode: the right arrow, space or Page Down shows the next winner (a presenter's
// clicker sends these). Optional: the "next" link works without JavaScript.
document.addEventListener("keydown", function (event) {
  if (["ArrowRight", " ", "PageDown"].indexOf(event.key) === -1) return;
  var next = document.getElementById("next");
  if (next) {
    event.preventDefault();
    next.click();
  }
});
