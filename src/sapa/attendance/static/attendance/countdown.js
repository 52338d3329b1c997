// The time left on the full-screen check-in code (the page says "open until …" without it).
(function () {
  var el = document.getElementById("left");
  if (!el) return;
  var skew = Date.now() - Number(el.dataset.now), closes = Number(el.dataset.closes);
  function tick() {
    var s = Math.max(0, Math.round((closes - (Date.now() - skew)) / 1000));
    if (s === 0) {
      el.textContent = el.dataset.closedText;
      var code = document.querySelector("[data-code]");
      if (code) code.style.opacity = 0.3;
      return;
    }
    var m = Math.floor(s / 60), r = s % 60;
    el.textContent = m + ":" + (r < 10 ? "0" : "") + r;
    setTimeout(tick, 1000);
  }
  tick();
})();
