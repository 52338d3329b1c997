/* The moderator's page and the presenter view: re-read the page's fragment whenever
   the update stream says something changed (at most every 300 ms). Without this
   script the moderator's page works with forms and the presenter view refreshes. */
(function () {
  "use strict";
  var body = document.getElementById("live-body");
  if (!body || !window.EventSource || !window.fetch) return;
  var timer = null, loading = false, again = false, seq = 0;
  function refresh() {
    timer = null;
    if (loading) { again = true; return; }
    loading = true;
    fetch(body.dataset.fragment, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      var active = document.activeElement;
      var key = active && body.contains(active) && active.form ? active.form.getAttribute("action") : null;
      body.innerHTML = html;
      if (key) {
        var button = body.querySelector('form[action="' + key + '"] button');
        if (button) button.focus();
      }
    }).finally(function () {
      loading = false;
      if (again) { again = false; schedule(); }
    });
  }
  function schedule() { if (!timer) timer = window.setTimeout(refresh, 300); }
  function connect(url) {
    var source = new EventSource(url);
    source.onmessage = function (e) { seq = JSON.parse(e.data).seq || seq; schedule(); };
    source.addEventListener("reload", schedule);
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(function () { connect(body.dataset.stream.replace(/after=\d+/, "after=" + seq)); schedule(); }, 5000);
      }
    };
  }
  connect(body.dataset.stream);
})();
