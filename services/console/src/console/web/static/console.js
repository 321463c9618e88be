// The console's only script: live refresh over server-sent events and ticking timers.
// Events carry a topic and an id, never patient data; the page fetches the fresh rows
// through its own signed-in (and audited) request.
(function () {
  "use strict";

  function refresh(id) {
    var el = document.getElementById(id);
    if (!el || !el.dataset.src) return;
    fetch(el.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        if (el.tagName === "TBODY") {
          el.innerHTML = html;
        } else if (el.id === "alerts") {
          el.innerHTML = html;
        } else {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(id);
          if (fresh) el.innerHTML = fresh.innerHTML;
        }
        tick();
      });
  }

  function words(seconds) {
    var s = Math.abs(seconds), m = Math.floor(s / 60), h = Math.floor(m / 60);
    if (h > 0) return h + "h " + String(m % 60).padStart(2, "0") + "m";
    if (m > 0) return m + "m " + String(s % 60).padStart(2, "0") + "s";
    return s + "s";
  }

  // Promise timers: time left, then time over; the row turns red when it breaches.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      if (el.dataset.met) { el.textContent = "answered"; return; }
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      el.textContent = left >= 0 ? words(left) + " left" : words(left) + " over";
      var row = el.closest("tr, article");
      if (row && left < 0) { row.classList.add("breached"); }
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = words(Math.round((now - Date.parse(el.dataset.since)) / 1000));
    });
  }

  function live() {
    var url = document.body.dataset.live;
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    var body = document.body;
    // The feed only tells of changes while it is connected: on reconnecting, every list is
    // read again, so nothing raised during the gap stays hidden until a reload.
    source.addEventListener("open", function () {
      var reconnected = body.dataset.liveState === "closed";
      body.dataset.liveState = "open";
      if (reconnected) ["inbox-rows", "drafts", "alerts", "money"].forEach(refresh);
    });
    source.addEventListener("error", function () { body.dataset.liveState = "closed"; });
    ["handoff", "conversation"].forEach(function (topic) {
      source.addEventListener(topic, function () { refresh("inbox-rows"); });
    });
    source.addEventListener("draft", function () { refresh("drafts"); });
    source.addEventListener("alert", function () { refresh("alerts"); });
    source.addEventListener("callback", function () { refresh("alerts"); });
    // A payment issue raised or resolved: the callbacks page re-reads its list (audited).
    source.addEventListener("money", function () { refresh("money"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    refresh("alerts");
    live();
    tick();
    window.setInterval(tick, 1000);
  });
})();
