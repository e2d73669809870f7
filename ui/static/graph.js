// Provenance graph: the server folds a large case (sources grouped by
// campaign, verdict and network; events and observations counted on the
// edges), so the first paint has a few hundred nodes at most. Deterministic
// layered layout (stable between visits), colour by verdict or kind, side
// panel on click, unfold on demand, and the same graph as a list below.
(function () {
  "use strict";
  var t0 = performance.now();
  var box = document.getElementById("cy");
  var panel = document.getElementById("panel");
  var count = document.getElementById("graph-count");
  var list = document.getElementById("graph-list");
  if (!box || typeof cytoscape !== "function") return;

  var colours = {
    artefact: "#4b5563", dataset: "#0f766e", events: "#9ca3af", ip: "#1f5fbf", domain: "#0891b2",
    user: "#7c3aed", "ssh-key": "#6d28d9", "user-agent": "#6d28d9", url: "#6d28d9", service: "#6d28d9",
    email: "#6d28d9", hash: "#6d28d9", network: "#65a30d", asn: "#65a30d", organisation: "#4d7c0f",
    observation: "#84cc16", hypothesis: "#d97706", campaign: "#dc2626", aggregate: "#64748b"
  };
  var roleColours = {
    "perpetrator-infrastructure": "#b3261e", "anonymization-relay": "#d97706", "compromised-third-party": "#7c3aed",
    "abused-platform": "#0f766e", undetermined: "#94a3b8", internal: "#cbd5e1", "contacted-destination": "#a3a3a3"
  };
  var layer = function (k) {
    switch (k) {
      case "artefact": case "dataset": return 0;
      case "events": return 1;
      case "observation": return 3;
      case "network": case "asn": case "organisation": return 4;
      case "hypothesis": return 5;
      default: return 2;
    }
  };

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
  function params() { return new URLSearchParams(location.search); }
  function expanded() { return params().getAll("expand"); }
  function setExpand(id, on) {
    var p = params(), ids = p.getAll("expand").filter(function (x) { return x !== id; });
    if (on) ids.push(id);
    p.delete("expand");
    ids.forEach(function (x) { p.append("expand", x); });
    history.replaceState(null, "", "/graph" + (p.toString() ? "?" + p.toString() : ""));
    load(id);
  }
  function unfoldButton(d) {
    var open = expanded().indexOf(d.id) >= 0;
    if (!open && !(d.attrs && d.attrs.expandable === "true")) return null;
    var b = el("button", open ? "Fold" : (d.kind === "aggregate" || d.kind === "campaign" ? "Unfold its sources" : "Unfold what it rests on"), "unfold");
    b.type = "button";
    b.setAttribute("aria-label", (open ? "Fold " : "Unfold ") + d.full);
    b.addEventListener("click", function () { setExpand(d.id, !open); });
    return b;
  }

  // Layers left to right; within a layer, columns of at most maxRows
  // nodes, each node given room for its size and its wrapped label.
  function positions(nodes) {
    var layers = [[], [], [], [], [], []];
    nodes.forEach(function (n) { layers[layer(n.kind)].push(n); });
    var pos = {}, x = 0;
    var maxRows = Math.max(12, Math.round(Math.sqrt(nodes.length) * 1.6));
    var height = function (n) { return n.kind === "aggregate" || n.kind === "campaign" ? 78 : 36; };
    layers.forEach(function (list, li) {
      var colW = li === 0 ? 300 : 200; // file names are long
      list.sort(function (a, b) {
        var ra = (a.attrs && a.attrs.role) || "~", rb = (b.attrs && b.attrs.role) || "~";
        if (ra !== rb) return ra < rb ? -1 : 1;
        if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
        if (a.weight !== b.weight) return b.weight - a.weight;
        return a.id < b.id ? -1 : 1;
      });
      var cols = Math.max(1, Math.ceil(list.length / maxRows));
      var rows = Math.ceil(list.length / cols);
      for (var c = 0; c < cols; c++) {
        var col = list.slice(c * rows, (c + 1) * rows), total = 0, y;
        col.forEach(function (n) { total += height(n); });
        y = -total / 2 + (c % 2) * 18;
        col.forEach(function (n) { pos[n.id] = { x: x + c * colW, y: y + height(n) / 2 }; y += height(n); });
      }
      if (list.length) x += cols * colW + colW;
    });
    return pos;
  }

  var cy = null, data = null;

  function show(n) {
    panel.textContent = "";
    var d = n.data();
    panel.appendChild(el("h2", d.full));
    var kind = el("p");
    kind.appendChild(el("span", d.kind, "tag"));
    if (d.attrs && d.attrs.role) kind.appendChild(el("span", " " + d.attrs.role.replace(/-/g, " ")));
    if (d.attrs && d.attrs.members) kind.appendChild(el("span", " · " + d.attrs.members + " sources"));
    panel.appendChild(kind);
    var b = unfoldButton(d); if (b) panel.appendChild(b);
    if (d.href) { var p = el("p"); p.appendChild(link(d.href, d.kind === "aggregate" ? "List them on the sources page →" : "Open its page →")); panel.appendChild(p); }
    panel.appendChild(el("h3", "Why it is here"));
    panel.appendChild(el("p", d.why || "—"));
    var attrs = d.attrs || {};
    var keys = Object.keys(attrs).filter(function (k) { return k !== "expandable"; }).sort();
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
        li.appendChild(el("span", dir + e.data("kind") + (e.data("count") > 1 ? " (" + e.data("count") + ")" : "") + " "));
        var a = el("a", other.data("full")); a.href = "#"; a.addEventListener("click", function (ev) {
          ev.preventDefault(); select(other);
        });
        li.appendChild(a); cl.appendChild(li);
      });
      if (conn.length > 40) cl.appendChild(el("li", "… and " + (conn.length - 40) + " more", "muted"));
      panel.appendChild(cl);
    }
  }

  function select(n) {
    cy.elements().removeClass("faded hl");
    var nb = n.closedNeighborhood();
    cy.elements().not(nb).addClass("faded");
    nb.addClass("hl");
    cy.$(":selected").unselect(); n.select();
    cy.animate({ center: { eles: n } }, { duration: 200 });
    show(n);
  }

  function legend(kinds, roles) {
    var ul = document.getElementById("legend");
    if (!ul) return;
    ul.textContent = "";
    Object.keys(kinds).sort().forEach(function (k) {
      var li = el("li"); var sw = el("span", "", "sw sw-" + (colours[k] ? k : "other"));
      li.appendChild(sw); li.appendChild(el("span", k + " (" + kinds[k] + ")")); ul.appendChild(li);
    });
    // Sources and their groups take the colour of their verdict.
    Object.keys(roles).sort().forEach(function (r) {
      var li = el("li"); var sw = el("span", "", "sw"); sw.style.background = roleColours[r] || "#64748b";
      li.appendChild(sw); li.appendChild(el("span", "verdict " + r.replace(/-/g, " ") + " (" + roles[r] + ")")); ul.appendChild(li);
    });
  }

  // The same graph as a list: each node with its connections, the groups
  // with a button to unfold them; keyboard users go through it with Tab.
  function renderList(g) {
    list.querySelectorAll("section, #graph-list-empty").forEach(function (x) { x.remove(); });
    var byId = {}, conns = {};
    g.nodes.forEach(function (n) { byId[n.id] = n; conns[n.id] = []; });
    g.edges.forEach(function (e) {
      if (conns[e.from]) conns[e.from].push({ dir: "→", kind: e.kind, other: e.to, count: e.count });
      if (conns[e.to]) conns[e.to].push({ dir: "←", kind: e.kind, other: e.from, count: e.count });
    });
    var sections = [
      ["Sources and groups of sources", function (n) { return n.kind === "aggregate" || n.kind === "campaign" || (n.attrs && n.attrs.role); }],
      ["Evidence: artefacts and datasets", function (n) { return n.kind === "artefact" || n.kind === "dataset"; }],
      ["Accounts, keys and other indicators", function (n) { return layer(n.kind) === 2; }],
      ["Unfolded detail: events, observations, networks, hypotheses", function () { return true; }]
    ];
    var done = {};
    sections.forEach(function (s) {
      var items = g.nodes.filter(function (n) { return !done[n.id] && s[1](n); });
      if (!items.length) return;
      items.sort(function (a, b) { return b.weight - a.weight || (a.label < b.label ? -1 : 1); });
      var sec = el("section"); sec.appendChild(el("h3", s[0] + " (" + items.length + ")"));
      var ul = el("ul");
      items.forEach(function (n) {
        done[n.id] = true;
        var li = el("li"); li.id = "gl-" + n.id;
        li.appendChild(link(n.href, n.label));
        var what = n.kind;
        if (n.attrs && n.attrs.role) what += ", " + n.attrs.role.replace(/-/g, " ");
        if (n.attrs && n.attrs.members) what += ", " + n.attrs.members + " sources";
        li.appendChild(el("span", " (" + what + ")", "muted"));
        var sel = el("button", "Show in graph"); sel.type = "button";
        sel.addEventListener("click", function () { var c = cy.getElementById(n.id); if (c.length) { select(c); box.scrollIntoView({ block: "nearest" }); } });
        li.appendChild(sel);
        var b = unfoldButton({ id: n.id, kind: n.kind, attrs: n.attrs, full: n.label }); if (b) li.appendChild(b);
        var cs = conns[n.id];
        if (cs.length) {
          var cl = el("ul", null, "conn");
          cs.slice(0, 12).forEach(function (c) {
            var o = byId[c.other];
            cl.appendChild(el("li", c.dir + " " + c.kind + " " + (o ? o.label : c.other) + (c.count > 1 ? " (" + c.count + ")" : "")));
          });
          if (cs.length > 12) cl.appendChild(el("li", "… and " + (cs.length - 12) + " more"));
          li.appendChild(cl);
        }
        ul.appendChild(li);
      });
      sec.appendChild(ul); list.appendChild(sec);
    });
  }

  function draw(g, focus) {
    var pos = positions(g.nodes), kinds = {}, roles = {};
    var maxW = 1;
    g.nodes.forEach(function (n) { if (n.weight > maxW) maxW = n.weight; });
    var els = [];
    g.nodes.forEach(function (n) {
      kinds[n.kind] = (kinds[n.kind] || 0) + 1;
      var size = 16 + 26 * Math.log(1 + n.weight) / Math.log(1 + maxW);
      if (n.kind === "aggregate" || n.kind === "campaign") size = Math.max(size, 34);
      var role = n.attrs && n.attrs.role;
      if (role) roles[role] = (roles[role] || 0) + 1;
      els.push({ group: "nodes", data: { id: n.id, label: n.label, full: n.label,
        kind: n.kind, why: n.why, attrs: n.attrs, cites: n.cites, href: n.href, size: size,
        colour: (role && roleColours[role]) || colours[n.kind] || "#64748b", campaign: n.group || "" },
        position: pos[n.id] });
    });
    g.edges.forEach(function (e, i) {
      els.push({ group: "edges", data: { id: "e" + i, source: e.from, target: e.to, kind: e.kind, count: e.count || 1,
        w: Math.min(6, 1 + Math.log(e.count || 1) / 2) } });
    });
    if (cy) cy.destroy();
    var big = g.nodes.length > 600;
    cy = cytoscape({
      container: box, elements: els, layout: { name: "preset", fit: true, padding: 30 },
      minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3, pixelRatio: 1,
      textureOnViewport: big, hideEdgesOnViewport: big, motionBlur: false,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
          label: "data(label)", "font-size": 10, color: "#1c2430", "text-valign": "bottom", "text-margin-y": 3,
          "text-wrap": "wrap", "text-max-width": 170,
          "min-zoomed-font-size": big ? 9 : 5, "text-background-color": "#fff", "text-background-opacity": 0.7,
          "text-background-padding": 1 } },
        { selector: "node[kind = 'hypothesis'], node[kind = 'campaign'], node[kind = 'aggregate']", style: { shape: "round-rectangle" } },
        { selector: "node[kind = 'aggregate'], node[kind = 'campaign']", style: { "border-width": 2, "border-color": "#1c2430", "border-style": "dashed", "font-weight": "bold" } },
        { selector: "node[kind = 'artefact'], node[kind = 'dataset']", style: { shape: "round-tag" } },
        { selector: "edge", style: { width: "data(w)", "line-color": "#c3cbd5", "curve-style": "straight", "target-arrow-shape": "triangle",
          "target-arrow-color": "#c3cbd5", "arrow-scale": 0.6 } },
        { selector: "edge.hl", style: { "line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf" } },
        { selector: "edge.hover", style: { label: function (e) { return e.data("kind") + (e.data("count") > 1 ? " (" + e.data("count") + ")" : ""); },
          "font-size": 10, "line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf", "text-background-color": "#fff", "text-background-opacity": 1 } },
        { selector: ".faded", style: { opacity: 0.12 } },
        { selector: "node.hl", style: { "border-width": 2, "border-color": "#f0b400", "border-style": "solid" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#f0b400", "border-style": "solid" } }
      ]
    });
    window.casefileGraph = cy;
    cy.on("tap", "node", function (ev) { select(ev.target); });
    cy.on("tap", function (ev) { if (ev.target === cy) cy.elements().removeClass("faded hl"); });
    cy.on("mouseover", "edge", function (ev) { ev.target.addClass("hover"); });
    cy.on("mouseout", "edge", function (ev) { ev.target.removeClass("hover"); });
    legend(kinds, roles);
    var st = g.stats || {};
    count.textContent = g.nodes.length + " nodes, " + g.edges.length + " edges shown, for " +
      (st.nodes || 0).toLocaleString("en") + " nodes and " + (st.edges || 0).toLocaleString("en") + " edges in the case; " +
      (st.matched || 0).toLocaleString("en") + " of " + (st.sources || 0).toLocaleString("en") + " sources match, " +
      (st.individual || 0).toLocaleString("en") + " drawn one by one";
    if (g.bad_dates) count.textContent += " (dates not understood, ignored: " + g.bad_dates.join(", ") + ")";
    document.getElementById("graph-labels").checked = false;
    if (focus) {
      var f = cy.getElementById(focus);
      if (!f.length) f = cy.nodes("[kind = 'aggregate'], [kind = 'campaign']").filter(function (n) { return n.id().indexOf(focus) === 0; });
      if (f.length) select(f[0]);
    }
  }

  var loading = 0;
  function load(focus) {
    var mine = ++loading;
    box.removeAttribute("data-ready");
    count.textContent = "loading…";
    fetch("/graph/data.json" + location.search, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (g) {
      if (mine !== loading) return;
      data = g;
      draw(g, focus);
      // Interactive: ms since navigation (performance.now's origin), and
      // since this script started.
      box.setAttribute("data-script-ms", String(Math.round(performance.now() - t0)));
      box.setAttribute("data-ready", String(Math.round(performance.now())));
      setTimeout(function () { renderList(g); }, 0);
    }).catch(function (e) {
      count.textContent = "could not load the graph (" + e.message + ")";
      box.setAttribute("data-ready", "error");
    });
  }

  document.getElementById("graph-fit").addEventListener("click", function () { if (cy) { cy.elements().removeClass("faded hl"); cy.fit(undefined, 30); } });
  document.getElementById("graph-labels").addEventListener("change", function (ev) {
    if (cy) cy.nodes().style("min-zoomed-font-size", ev.target.checked ? 0 : (data && data.nodes.length > 600 ? 9 : 5));
  });
  var find = document.getElementById("graph-find");
  document.getElementById("graph-tools").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = find.value.trim().toLowerCase();
    if (!q || !cy) return;
    var hit = cy.nodes().filter(function (n) { return String(n.data("full")).toLowerCase().indexOf(q) >= 0; });
    if (hit.length) { select(hit[0]); return; }
    // Not drawn: perhaps a source inside a group. Ask the server to draw
    // it by itself, with what it rests on.
    var id = (/^[0-9.]+$/.test(q) || q.indexOf(":") >= 0 ? "ip:" : "domain:") + q;
    if (expanded().indexOf(id) < 0) { setExpand(id, true); return; }
    count.textContent = "“" + find.value + "” is not drawn: it is not a source of the case, or the filters leave it out";
  });
  load();
})();
