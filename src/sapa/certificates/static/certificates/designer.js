/* Certificate designer: drag a field's box on the page preview (or its corner to resize,
   or the arrow keys), and the numeric inputs of the form follow; typing in the inputs
   moves the box. Without this script the inputs alone do the same job. */
(function () {
  "use strict";
  var canvas = document.getElementById("cert-canvas");
  if (!canvas) return;
  var pageW = parseFloat(canvas.dataset.pageW), pageH = parseFloat(canvas.dataset.pageH);
  canvas.classList.add("live");

  function input(prefix, name) { return document.getElementById("id_" + prefix + "-" + name); }
  function num(el) { var v = parseFloat(String(el.value || "").replace(",", ".")); return isNaN(v) ? 0 : v; }
  function round(v) { return Math.round(v * 10) / 10; }
  function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }

  function place(box) {
    var p = box.dataset.prefix;
    box.style.left = (num(input(p, "x")) / pageW * 100) + "%";
    box.style.top = (num(input(p, "y")) / pageH * 100) + "%";
    box.style.width = (num(input(p, "width")) / pageW * 100) + "%";
    box.style.height = (num(input(p, "height")) / pageH * 100) + "%";
    var enabled = input(p, "enabled");
    box.classList.toggle("off", enabled ? !enabled.checked : false);
  }

  function set(box, name, value) {
    var el = input(box.dataset.prefix, name);
    el.value = round(value).toFixed(1);
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  Array.prototype.forEach.call(canvas.querySelectorAll(".cert-box"), function (box) {
    var p = box.dataset.prefix;
    var editable = !input(p, "x").disabled;
    box.hidden = false;
    place(box);
    ["x", "y", "width", "height", "enabled"].forEach(function (name) {
      var el = input(p, name);
      if (el) { el.addEventListener("input", function () { place(box); }); el.addEventListener("change", function () { place(box); }); }
    });
    if (!editable) return;
    box.tabIndex = 0;
    box.setAttribute("role", "button");
    box.setAttribute("aria-label", box.textContent + " — " + canvas.dataset.keysHelp);
    var start = null;
    box.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      box.setPointerCapture(ev.pointerId);
      start = {
        x: ev.clientX, y: ev.clientY, resize: ev.target.classList.contains("handle"),
        fx: num(input(p, "x")), fy: num(input(p, "y")), fw: num(input(p, "width")), fh: num(input(p, "height")),
        scale: pageW / canvas.clientWidth
      };
      box.classList.add("dragging");
    });
    box.addEventListener("pointermove", function (ev) {
      if (!start) return;
      var dx = (ev.clientX - start.x) * start.scale, dy = (ev.clientY - start.y) * start.scale;
      if (start.resize) {
        set(box, "width", clamp(start.fw + dx, 5, pageW - start.fx));
        set(box, "height", clamp(start.fh + dy, 3, pageH - start.fy));
      } else {
        set(box, "x", clamp(start.fx + dx, 0, pageW - start.fw));
        set(box, "y", clamp(start.fy + dy, 0, pageH - start.fh));
      }
      place(box);
    });
    function end() { start = null; box.classList.remove("dragging"); }
    box.addEventListener("pointerup", end);
    box.addEventListener("pointercancel", end);
    box.addEventListener("keydown", function (ev) {
      var step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[ev.key];
      if (!step) return;
      ev.preventDefault();
      var x = num(input(p, "x")), y = num(input(p, "y")), w = num(input(p, "width")), h = num(input(p, "height"));
      if (ev.shiftKey) {
        set(box, "width", clamp(w + step[0], 5, pageW - x));
        set(box, "height", clamp(h + step[1], 3, pageH - y));
      } else {
        set(box, "x", clamp(x + step[0], 0, pageW - w));
        set(box, "y", clamp(y + step[1], 0, pageH - h));
      }
      place(box);
    });
  });
})();
