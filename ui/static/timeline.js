// Casefile timeline: the detail pane and the histogram's drag-to-zoom.
// Without script, each row links to the event's page and each bar to its
// time range.
(function () {
  "use strict";
  var pane = document.getElementById("detail");
  var table = document.querySelector("table.timeline");

  function select(tr) {
    var url = tr.getAttribute("data-detail");
    if (!url || !pane) return;
    var prev = table.querySelector("tr.selected");
    if (prev) prev.classList.remove("selected");
    tr.classList.add("selected");
    pane.hidden = false;
    pane.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("the event could not be read (" + r.status + ")");
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var art = doc.getElementById("event-detail");
      pane.textContent = "";
      var close = document.createElement("button");
      close.type = "button"; close.className = "secondary close"; close.textContent = "close";
      close.addEventListener("click", function () { pane.hidden = true; tr.classList.remove("selected"); });
      pane.appendChild(close);
      if (art) pane.appendChild(document.importNode(art, true));
      pane.removeAttribute("aria-busy");
    }).catch(function (e) {
      pane.textContent = e.message;
      pane.removeAttribute("aria-busy");
    });
  }

  if (table) {
    table.addEventListener("click", function (ev) {
      var a = ev.target.closest("a");
      if (a && !a.classList.contains("rowlink")) return; // other links go where they say
      var tr = ev.target.closest("tr[data-detail]");
      if (!tr) return;
      ev.preventDefault();
      select(tr);
    });
  }

  // Histogram: drag across bars to narrow the time range. A click on one
  // bar follows its link.
  var hist = document.getElementById("histogram");
  var form = document.querySelector("form.search");
  if (hist && form) {
    var start = null, moved = false;
    var bars = hist.querySelectorAll("a.bar");
    var mark = function (a, b) {
      var lo = Math.min(a, b), hi = Math.max(a, b);
      for (var i = 0; i < bars.length; i++) bars[i].classList.toggle("sel", i >= lo && i <= hi);
    };
    var indexOf = function (el) {
      var a = el && el.closest ? el.closest("a.bar") : null;
      return a ? Array.prototype.indexOf.call(bars, a) : -1;
    };
    hist.addEventListener("mousedown", function (ev) {
      var i = indexOf(ev.target);
      if (i < 0) return;
      ev.preventDefault();
      start = i; moved = false; mark(i, i);
    });
    hist.addEventListener("mousemove", function (ev) {
      if (start === null) return;
      var i = indexOf(ev.target);
      if (i >= 0 && i !== start) { moved = true; mark(start, i); }
    });
    hist.addEventListener("click", function (ev) { if (moved) ev.preventDefault(); });
    document.addEventListener("mouseup", function (ev) {
      if (start === null) return;
      var i = indexOf(ev.target);
      var s = start; start = null;
      if (!moved || i < 0) return;
      var lo = Math.min(s, i), hi = Math.max(s, i);
      zoom(bars[lo].getAttribute("data-from"), bars[hi].getAttribute("data-to"));
    });
    var zoom = function (from, to) {
      var q = form.querySelector("input[name=q]");
      var kept = q.value.split(/\s+/).filter(function (w) { return w && !/^(after|before):/.test(w); });
      kept.push("after:" + from, "before:" + to);
      q.value = kept.join(" ");
      form.submit();
    };
  }
})();
