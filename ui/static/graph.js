// Provenance graph: deterministic layered layout (stable between visits),
// colour by kind, size by activity, side panel on click.
(function () {
  "use strict";
  var t0 = performance.now();
  var box = document.getElementById("cy");
  var panel = document.getElementById("panel");
  var count = document.getElementById("graph-count");
  if (!box || typeof cytoscape !== "function") return;

  var colours = {
    artefact: "#4b5563", dataset: "#0f766e", events: "#9ca3af", ip: "#1f5fbf", domain: "#0891b2",
    user: "#7c3aed", "ssh-key": "#6d28d9", "user-agent": "#6d28d9", url: "#6d28d9", service: "#6d28d9",
    email: "#6d28d9", hash: "#6d28d9", network: "#65a30d", asn: "#65a30d", organisation: "#4d7c0f",
    observation: "#84cc16", hypothesis: "#d97706", campaign: "#dc2626"
  };
  var layer = function (k) {
    switch (k) {
      case "artefact": case "dataset": return 0;
      case "events": return 1;
      case "observation": return 3;
      case "network": case "asn": case "organisation": return 4;
      case "hypothesis": case "campaign": return 5;
      default: return 2;
    }
  };
  var layerNames = ["artefacts and datasets", "events", "indicators", "observations", "networks and organisations", "assessment"];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function link(href, text) {
    if (!href || href.charAt(0) !== "/") return el("span", text);
    var a = el("a", text); a.href = href; return a;
  }

  function positions(nodes) {
    var layers = [[], [], [], [], [], []];
    nodes.forEach(function (n) { layers[layer(n.kind)].push(n); });
    var pos = {}, rowH = 28, colW = 150, x = 0;
    var maxRows = Math.max(15, Math.round(Math.sqrt(nodes.length) * 1.8));
    layers.forEach(function (list) {
      list.sort(function (a, b) {
        if ((a.group || "") !== (b.group || "")) return (a.group || "~") < (b.group || "~") ? -1 : 1;
        if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
        if (a.weight !== b.weight) return b.weight - a.weight;
        return a.id < b.id ? -1 : 1;
      });
      var cols = Math.max(1, Math.ceil(list.length / maxRows));
      var rows = Math.ceil(list.length / cols);
      list.forEach(function (n, i) {
        var c = Math.floor(i / rows), r = i % rows;
        pos[n.id] = { x: x + c * colW * 0.6, y: (r - rows / 2) * rowH + (c % 2) * rowH / 2 };
      });
      if (list.length) x += cols * colW * 0.6 + colW * 1.5;
    });
    return pos;
  }

  function show(n, cy) {
    panel.textContent = "";
    var d = n.data();
    var h = el("h2", d.label); panel.appendChild(h);
    var kind = el("p"); var sw = el("span", "", "sw"); sw.style.background = colours[d.kind] || "#64748b";
    kind.appendChild(el("span", d.kind, "tag")); panel.appendChild(kind);
    if (d.href) { var p = el("p"); p.appendChild(link(d.href, "Open its page →")); panel.appendChild(p); }
    panel.appendChild(el("h3", "Why it is here"));
    panel.appendChild(el("p", d.why || "—"));
    var attrs = d.attrs || {};
    var keys = Object.keys(attrs).sort();
    if (keys.length) {
      panel.appendChild(el("h3", "What is known"));
      var dl = el("dl");
      keys.forEach(function (k) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", attrs[k])); });
      panel.appendChild(dl);
    }
    panel.appendChild(el("h3", "What it rests on"));
    var ul = el("ul");
    (d.cites || []).forEach(function (c) { var li = el("li"); li.appendChild(link(c.href, c.label)); ul.appendChild(li); });
    if (!ul.children.length) ul.appendChild(el("li", "nothing cited", "muted"));
    panel.appendChild(ul);
    var conn = n.connectedEdges();
    if (conn.length) {
      panel.appendChild(el("h3", "Connections (" + conn.length + ")"));
      var cl = el("ul");
      conn.slice(0, 40).forEach(function (e) {
        var other = e.source().id() === n.id() ? e.target() : e.source();
        var li = el("li");
        var dir = e.source().id() === n.id() ? "→ " : "← ";
        li.appendChild(el("span", dir + e.data("kind") + " "));
        var a = el("a", other.data("label")); a.href = "#"; a.addEventListener("click", function (ev) {
          ev.preventDefault(); select(other, cy);
        });
        li.appendChild(a); cl.appendChild(li);
      });
      if (conn.length > 40) cl.appendChild(el("li", "… and " + (conn.length - 40) + " more", "muted"));
      panel.appendChild(cl);
    }
  }

  function select(n, cy) {
    n.closedNeighborhood().removeClass("folded");
    cy.elements().removeClass("faded hl");
    var nb = n.closedNeighborhood();
    cy.elements().not(nb).addClass("faded");
    nb.addClass("hl");
    cy.animate({ center: { eles: n } }, { duration: 200 });
    show(n, cy);
  }

  function legend(kinds) {
    var ul = document.getElementById("legend");
    if (!ul) return;
    Object.keys(kinds).sort().forEach(function (k) {
      var li = el("li"); var sw = el("span", "", "sw sw-" + (colours[k] ? k : "other"));
      li.appendChild(sw); li.appendChild(el("span", k + " (" + kinds[k] + ")")); ul.appendChild(li);
    });
  }

  fetch("/graph/data.json", { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(function (g) {
    var pos = positions(g.nodes), kinds = {};
    var maxW = 1;
    g.nodes.forEach(function (n) { if (n.weight > maxW) maxW = n.weight; });
    var els = [];
    g.nodes.forEach(function (n) {
      kinds[n.kind] = (kinds[n.kind] || 0) + 1;
      var size = 14 + 26 * Math.log(1 + n.weight) / Math.log(1 + maxW);
      els.push({ group: "nodes", data: { id: n.id, label: n.label.length > 40 ? n.label.slice(0, 39) + "…" : n.label, full: n.label,
        kind: n.kind, why: n.why, attrs: n.attrs, cites: n.cites, href: n.href, size: size, colour: colours[n.kind] || "#64748b",
        campaign: n.group || "" },
        position: pos[n.id] });
    });
    g.edges.forEach(function (e, i) {
      els.push({ group: "edges", data: { id: "e" + i, source: e.from, target: e.to, kind: e.kind } });
    });
    var big = g.nodes.length > 600;
    var cy = cytoscape({
      container: box, elements: els, layout: { name: "preset", fit: true, padding: 30 },
      minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3, pixelRatio: 1,
      textureOnViewport: big, hideEdgesOnViewport: big, motionBlur: false,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
          label: "data(label)", "font-size": 10, color: "#1c2430", "text-valign": "bottom", "text-margin-y": 3,
          "min-zoomed-font-size": big ? 9 : 6, "text-background-color": "#fff", "text-background-opacity": 0.7,
          "text-background-padding": 1 } },
        { selector: "node[kind = 'hypothesis'], node[kind = 'campaign']", style: { shape: "round-rectangle" } },
        { selector: "node[kind = 'artefact'], node[kind = 'dataset']", style: { shape: "round-tag" } },
        { selector: "edge", style: { width: 1, "line-color": "#c3cbd5", "curve-style": "straight", "target-arrow-shape": "triangle",
          "target-arrow-color": "#c3cbd5", "arrow-scale": 0.6 } },
        { selector: "edge.hl", style: { "line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf", width: 1.5 } },
        { selector: "edge.hover", style: { label: "data(kind)", "font-size": 10, "line-color": "#1f5fbf",
          "target-arrow-color": "#1f5fbf", width: 2.5, "text-background-color": "#fff", "text-background-opacity": 1 } },
        { selector: ".faded", style: { opacity: 0.12 } },
        { selector: "node.hl", style: { "border-width": 2, "border-color": "#f0b400" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#f0b400" } },
        { selector: ".labels node", style: { "min-zoomed-font-size": 0 } },
        { selector: ".folded", style: { display: "none" } }
      ]
    });
    window.casefileGraph = cy;
    // Large graphs start folded: event groups and observations are the bulk,
    // and the members of a campaign sit behind their campaign node;
    // selecting a node unfolds what it is connected to.
    var foldable = cy.nodes('[kind = "events"], [kind = "observation"]').union(cy.nodes().filter(function (n) {
      var c = n.data("campaign");
      return c && n.data("kind") !== "campaign" && cy.getElementById("campaign:" + c).length > 0;
    }));
    var all = document.getElementById("graph-all");
    var fold = function (on) {
      if (on) foldable.addClass("folded"); else cy.elements().removeClass("folded");
      var shown = cy.nodes().not(".folded").length;
      count.textContent = g.nodes.length + " nodes" + (shown < g.nodes.length ? " (" + shown + " shown)" : "") + ", " + g.edges.length + " edges";
    };
    all.checked = !(g.nodes.length > 1200);
    all.addEventListener("change", function () { fold(!all.checked); });
    cy.on("tap", "node", function (ev) { select(ev.target, cy); });
    cy.on("tap", function (ev) { if (ev.target === cy) cy.elements().removeClass("faded hl"); });
    cy.on("mouseover", "edge", function (ev) { ev.target.addClass("hover"); });
    cy.on("mouseout", "edge", function (ev) { ev.target.removeClass("hover"); });
    legend(kinds);
    fold(!all.checked);
    document.getElementById("graph-fit").addEventListener("click", function () { cy.elements().removeClass("faded hl"); cy.fit(undefined, 30); });
    document.getElementById("graph-labels").addEventListener("change", function (ev) {
      cy.nodes().style("min-zoomed-font-size", ev.target.checked ? 0 : (big ? 9 : 6));
    });
    var find = document.getElementById("graph-find");
    document.getElementById("graph-tools").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = find.value.trim().toLowerCase();
      if (!q) return;
      var hit = cy.nodes().filter(function (n) { return String(n.data("full")).toLowerCase().indexOf(q) >= 0; });
      if (hit.length) select(hit[0], cy);
    });
    box.setAttribute("data-ready", String(Math.round(performance.now() - t0)));
  }).catch(function (e) {
    count.textContent = "could not load the graph (" + e.message + ")";
    box.setAttribute("data-ready", "error");
  });
})();
