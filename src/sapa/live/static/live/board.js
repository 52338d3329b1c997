/* The live board's updates (Server-Sent Events): keeps the question list, the
   "on screen" card and the hand state current without reloading. Forms are
   sent with fetch; without this script they work as plain forms. */
(function () {
  "use strict";
  var stateEl = document.getElementById("live-state");
  if (!stateEl) return;
  // Many screens reload at once after a board change: spread them over a few seconds.
  function reloadSoon() {
    var box = document.getElementById("id_text");
    if (box && box.value) { say(S.changed); return; }  // never throw away a question being typed
    window.setTimeout(function () { window.location.reload(); }, Math.random() * 3000);
  }
  if (!window.EventSource || !window.fetch) {
    // No live updates in this browser: poll by reloading, unless a question is being typed.
    window.setInterval(function () {
      var box = document.getElementById("id_text");
      if (!box || !box.value) window.location.reload();
    }, 30000);
    return;
  }
  var state = JSON.parse(stateEl.textContent);
  var S = {};
  document.getElementById("live-strings").content.querySelectorAll("span").forEach(function (el) {
    S[el.dataset.k] = el.textContent;
  });
  var qs = {}, hands = {}, voted = {}, me = state.me;
  state.questions.forEach(function (q) { qs[q.id] = q; });
  state.hands.forEach(function (h) { hands[h.id] = h; });
  state.voted.forEach(function (id) { voted[id] = true; });
  var list = document.getElementById("live-list");
  var notice = document.getElementById("live-notice");
  var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var pending = false;

  function count(n, one, many, sample) { return (n === 1 ? one : many).replace(sample, String(n)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function say(text) { notice.textContent = text; }

  function sorted() {
    var arr = Object.keys(qs).map(function (k) { return qs[k]; }).filter(function (q) { return !q.hidden; });
    arr.sort(function (a, b) {
      if (a.answered !== b.answered) return a.answered ? 1 : -1;
      if (state.sort === "new" || a.answered) return b.id - a.id;
      return (b.votes - a.votes) || (a.id - b.id);
    });
    return arr;
  }

  function item(q, index) {
    var li = el("li", "live-q" + (q.answered ? " is-answered" : "") + (q.on_screen ? " is-on-screen" : ""));
    li.dataset.id = q.id;
    li.appendChild(el("p", "live-text", q.text));
    var meta = el("div", "live-meta");
    meta.appendChild(el("span", "", q.name || S.anon));
    if (q.on_screen) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "badge", S.onScreen)); }
    if (q.answered) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "badge", S.answered)); }
    meta.appendChild(el("span", "live-votes", count(q.votes, S.votes1, S.votesN, q.votes === 1 ? "1" : "2")));
    if (me && q.author === me) {
      meta.appendChild(el("span", "help", S.mine));
    } else if (voted[q.id]) {
      meta.appendChild(el("span", "help", S.voted));
    } else if (state.canAct && !q.answered && csrfInput) {
      var form = el("form", "live-vote");
      form.method = "post";
      form.action = state.vote.replace(/0\/$/, q.id + "/");
      var token = el("input"); token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrfInput.value;
      var button = el("button", "", S.vote); button.type = "submit";
      button.appendChild(el("span", "sr-only", " " + S["for"] + " " + (index + 1)));
      form.appendChild(token); form.appendChild(button);
      meta.appendChild(form);
    }
    li.appendChild(meta);
    return li;
  }

  function renderHands() {
    var stateP = document.getElementById("live-hand-state");
    if (!stateP) return;
    var raised = Object.keys(hands).map(function (k) { return hands[k]; })
      .filter(function (h) { return h.status === "raised"; }).sort(function (a, b) { return a.id - b.id; });
    var mine = null;
    Object.keys(hands).forEach(function (k) {
      var h = hands[k];
      if (h.owner === me && h.status !== "lowered") mine = h;
    });
    stateP.textContent = "";
    if (mine && mine.status === "called") {
      stateP.appendChild(el("strong", "", S.called));
    } else if (mine) {
      stateP.textContent = S.position.replace("0", String(raised.indexOf(mine) + 1));
    } else {
      stateP.textContent = count(raised.length, S.raised1, S.raisedN, raised.length === 1 ? "1" : "2");
    }
    document.getElementById("live-hand-action").value = mine ? "lower" : "raise";
    document.getElementById("live-hand-button").textContent = mine ? S.lower : S.raise;
  }

  function render() {
    pending = false;
    var arr = sorted();
    list.textContent = "";
    if (!arr.length) list.appendChild(el("li", "live-empty", S.empty));
    arr.forEach(function (q, i) { list.appendChild(item(q, i)); });
    var title = document.getElementById("list-title");
    if (title) title.textContent = count(arr.length, S.count1, S.countN, arr.length === 1 ? "1" : "2");
    var shown = arr.filter(function (q) { return q.on_screen; })[0];
    var card = document.getElementById("live-on-screen");
    if (card) {
      card.hidden = !shown;
      if (shown) {
        card.querySelector(".live-text").textContent = shown.text;
        card.querySelector(".help").textContent = shown.name || S.anon;
      }
    }
    renderHands();
  }
  function later() { if (!pending) { pending = true; window.requestAnimationFrame(render); } }

  function apply(u) {
    if (u.kind === "question") {
      if (u.q.on_screen) Object.keys(qs).forEach(function (k) { qs[k].on_screen = false; });
      qs[u.q.id] = Object.assign(qs[u.q.id] || {}, u.q);
    } else if (u.kind === "hand") {
      hands[u.hand.id] = u.hand;
    } else if (u.kind === "board") {
      reloadSoon();
    }
    later();
  }

  var source, retry = 0;
  function connect(url) {
    source = new EventSource(url);
    source.onopen = function () { retry = 0; if (notice.textContent === S.offline) say(""); };
    source.onmessage = function (e) {
      var u = JSON.parse(e.data);
      if (u.seq) state.seq = u.seq;
      apply(u);
    };
    source.addEventListener("reload", reloadSoon);
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        // refused (the server is full or restarting): try again later, from where we were
        retry = Math.min(retry + 1, 6);
        window.setTimeout(function () { connect(state.stream.replace(/after=\d+/, "after=" + state.seq)); },
          (5 + Math.random() * 10) * 1000 * retry);
      }
      say(S.offline);
    };
  }
  connect(state.stream);

  function send(form, done) {
    var body = new FormData(form);
    return fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (r) {
      return r.json().then(function (data) {
        say(data.message);
        if (data.me) { me = data.me; later(); }
        if (r.ok && done) done(data);
      });
    }).catch(function () { say(S.error); });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id === "live-ask") {
      e.preventDefault();
      send(form, function () { form.querySelector("textarea").value = ""; });
    } else if (form.classList.contains("live-vote")) {
      e.preventDefault();
      var id = parseInt(form.closest("li").dataset.id, 10);
      send(form, function () { voted[id] = true; later(); });
    } else if (form.id === "live-hand-form") {
      e.preventDefault();
      send(form);
    }
  });
})();
