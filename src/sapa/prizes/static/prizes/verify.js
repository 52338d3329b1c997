// Check a door prize draw in the browser: the same steps as `sapa verify-draw`
// (docs/draw-algorithm.md), with the browser's own SHA-256 (Web Crypto). It reads the
// page's published JSON, so what it checks is what anyone can download. Optional: without
// JavaScript the page shows the data and the command.
(function () {
  "use strict";
  var box = document.getElementById("verify");
  if (!box || !window.crypto || !window.crypto.subtle || typeof BigInt === "undefined") return;
  var button = document.getElementById("verify-button");
  var out = document.getElementById("verify-result");
  var text = box.dataset;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function sha(s) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)).then(hex);
  }
  async function select(seed, entries, n, round) {
    var rest = entries.slice().sort(), out = [];
    var full = 1n << 256n;
    var count = Math.min(n, rest.length);
    for (var k = 1; k <= count; k++) {
      var m = BigInt(rest.length), c = 0, h;
      var limit = full - (full % m);
      for (;;) {
        h = BigInt("0x" + (await sha(seed + ":" + round + ":" + k + ":" + c)));
        if (h < limit) break;
        c += 1;
      }
      out.push(rest.splice(Number(h % m), 1)[0]);
    }
    return out;
  }
  async function check(data) {
    var problems = [];
    if (data.state !== "drawn" || !data.seed) return [text.notDrawn];
    if ((await sha(data.seed)) !== data.commitment) problems.push(text.badCommitment);
    var entries = data.entries || [];
    var sorted = entries.slice().sort();
    if (entries.join() !== sorted.join() || new Set(entries).size !== entries.length) problems.push(text.badEntries);
    var expected = await select(data.seed, entries, Number(data.winners_count), Number(data.round));
    var winners = data.winners || [];
    var published = winners.map(function (w) { return w.entry; });
    if (published.join() !== expected.join()) problems.push(text.badWinners);
    var prizes = data.prizes || [];
    winners.forEach(function (w, i) {
      if (w.prize !== prizes[i]) problems.push(text.badPrize.replace("{n}", String(i + 1)));
    });
    return problems;
  }
  function show(lines, ok) {
    out.textContent = "";
    out.className = ok ? "verify-ok" : "verify-bad";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      out.appendChild(p);
    });
  }
  box.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    show([text.working], true);
    fetch(box.dataset.json, { credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(check)
      .then(function (problems) {
        show(problems.length ? problems : [text.ok], problems.length === 0);
      })
      .catch(function () { show([text.failed], false); })
      .finally(function () { button.disabled = false; });
  });
})();
