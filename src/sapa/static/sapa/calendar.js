/* Sapa social calendar: drag a post to another day (HTML5 drag and drop, posted with htmx),
   and "copy" buttons. Without this file everything still works through plain forms. */
(function () {
  "use strict";
  var dragged = null;

  function cell(el) { return el && el.closest ? el.closest("[data-date]") : null; }

  document.addEventListener("dragstart", function (e) {
    var item = e.target.closest && e.target.closest("[data-move-url]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", item.id);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (e) {
    var target = cell(e.target);
    if (!dragged || !target) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    target.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (e) {
    var target = cell(e.target);
    if (target && !target.contains(e.relatedTarget)) target.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (e) {
    var target = cell(e.target);
    if (!dragged || !target) return;
    e.preventDefault();
    target.classList.remove("drop-target");
    var from = cell(dragged);
    if (from === target) return;
    var root = document.getElementById("calendar");
    var url = dragged.getAttribute("data-move-url");
    var query = root.getAttribute("data-query");
    var values = {date: target.getAttribute("data-date"), month: root.getAttribute("data-month") || ""};
    if (query) {
      new URLSearchParams(query).forEach(function (v, k) { values[k] = v; });
    }
    dragged.classList.add("moving");
    window.htmx.ajax("POST", url, {
      target: "#" + target.id, swap: "outerHTML", values: values,
      headers: {"X-CSRFToken": root.getAttribute("data-csrf")}
    });
  });

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-copied") || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
