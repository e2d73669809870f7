// Casefile workbench: small enhancements. Everything works without it.
(function () {
  "use strict";

  // Copy buttons next to hashes and tokens.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("button.copy");
    if (!b) return;
    var text = b.getAttribute("data-copy") || "";
    var done = function () { b.classList.add("done"); b.textContent = "copied"; setTimeout(function () { b.classList.remove("done"); b.textContent = "copy"; }, 1200); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      var t = document.createElement("textarea");
      t.value = text; document.body.appendChild(t); t.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* ignore */ }
      document.body.removeChild(t);
    }
  });

  // Keyboard: a letter opens a section (data-key on the tabs), n/p page.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (ev.key === "/") {
      var f = document.querySelector(".filters input:not([type=hidden])");
      if (f) { ev.preventDefault(); f.focus(); }
      return;
    }
    var a = document.querySelector('a[data-key="' + ev.key + '"]');
    if (a) { ev.preventDefault(); a.click(); }
  });

  // Hex view: bring the cited row into view.
  var target = document.getElementById("target");
  if (target && !location.hash) target.scrollIntoView({ block: "center" });

  // Upload with progress. The form posts the same fields without script.
  var form = document.getElementById("ingest-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (ev) {
      var files = document.getElementById("files").files;
      var max = parseInt(form.getAttribute("data-max"), 10) || 0;
      var total = 0;
      for (var i = 0; i < files.length; i++) total += files[i].size;
      var status = document.getElementById("ingest-status");
      if (max && total > max) {
        ev.preventDefault();
        status.textContent = "These files are larger than the server accepts in one upload.";
        return;
      }
      ev.preventDefault();
      var bar = document.getElementById("ingest-progress");
      var btn = document.getElementById("ingest-submit");
      bar.hidden = false; btn.disabled = true;
      status.textContent = "Uploading…";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = "Uploaded " + bar.value + "% — the server hashes and stores as it receives.";
        }
      };
      xhr.upload.onload = function () { status.textContent = "Upload complete; parsing the preserved bytes…"; };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
          location.assign(xhr.responseURL);
        } else {
          btn.disabled = false;
          status.textContent = xhr.status === 413 ? "The upload is larger than the server accepts." :
            "The upload failed (HTTP " + xhr.status + "). Nothing partial is kept; the custody log records the attempt.";
        }
      };
      xhr.onerror = function () { btn.disabled = false; status.textContent = "The connection failed during the upload."; };
      // Fields first, in form order, then the files' modification times as
      // the browser knows them (the server records them), then the files.
      var fd = new FormData(), times = [];
      ["csrf", "source", "note", "format", "year"].forEach(function (n) {
        var e = form.elements[n]; if (e) fd.append(n, e.value);
      });
      for (var j = 0; j < files.length; j++) times.push(files[j].lastModified || 0);
      fd.append("mtimes", JSON.stringify(times));
      for (var k = 0; k < files.length; k++) fd.append("files", files[k], files[k].name);
      xhr.send(fd);
    });
  }

  // Export: the build can take a while.
  var ex = document.getElementById("export-form");
  if (ex) ex.addEventListener("submit", function () {
    var b = document.getElementById("export-submit");
    setTimeout(function () { b.disabled = true; b.textContent = "Building and signing…"; }, 0);
  });
})();

// Enrich: send the dataset files' modification times (the server records
// them, and dates a dataset that carries no date of its own by them).
(function () {
  var input = document.getElementById("dataset-files"), times = document.getElementById("enrich-mtimes");
  if (!input || !times) return;
  input.addEventListener("change", function () {
    var t = [];
    for (var i = 0; i < input.files.length; i++) t.push(input.files[i].lastModified || 0);
    times.value = JSON.stringify(t);
  });
})();
