// Call display: live via Server-Sent Events, falling back to polling the JSON API every 5 s.
// Only ticket numbers and counters ever reach this page – never names.
(function () {
  "use strict";
  var body = document.body;
  var tbody = document.getElementById("calls");
  var empty = document.getElementById("empty");
  var status = document.getElementById("status");
  var seen = (body.dataset.version || "0") + "|" + (body.dataset.day || "");
  var polling = false;

  function chime() {
    if (!body.dataset.chime) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [660, 880].forEach(function (freq, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.35 + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + i * 0.35);
        osc.stop(ctx.currentTime + i * 0.35 + 0.3);
      });
    } catch (e) { /* no audio: the screen still updates */ }
  }

  function render(payload) {
    var key = payload.version + "|" + payload.day;
    if (key === seen) return;
    var before = tbody.rows.length ? tbody.rows[0].cells[0].textContent + "@" + tbody.rows[0].cells[1].textContent : "";
    seen = key;
    var rows = payload.calls.map(function (call, i) {
      var tr = document.createElement("tr");
      if (i === 0) tr.className = "latest";
      var t = document.createElement("td");
      t.className = "ticket";
      t.textContent = call.ticket;
      var c = document.createElement("td");
      c.className = "counter";
      c.textContent = String(call.counter);
      tr.append(t, c);
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
    empty.hidden = rows.length > 0;
    var after = payload.calls.length ? payload.calls[0].ticket + "@" + payload.calls[0].counter : "";
    if (after && after !== before) chime();
  }

  function poll() {
    if (polling) return;
    polling = true;
    status.textContent = status.dataset.polling;
    var tick = function () {
      fetch(body.dataset.poll, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) { if (p) render(p); })
        .catch(function () {});
    };
    tick();
    setInterval(tick, 5000);
  }

  if (!("EventSource" in window)) { poll(); return; }
  var failures = 0;
  var source = new EventSource(body.dataset.events);
  source.addEventListener("open", function () { failures = 0; status.textContent = status.dataset.live; });
  source.addEventListener("calls", function (e) { render(JSON.parse(e.data)); });
  source.addEventListener("error", function () {
    failures += 1;
    // EventSource reconnects by itself; after repeated failures (e.g. a proxy that buffers), poll instead.
    if (failures >= 5) { source.close(); poll(); }
  });
})();
