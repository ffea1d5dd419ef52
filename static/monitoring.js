// Live charts for /monitoring/: polls /api/monitoring/ every 2 s and draws each
// series of its history as an SVG line with a value axis (with its unit), a
// time axis, and the value under the pointer. No library, no CDN.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 320, HEIGHT = 130;

  function value(sample, metric) {
    var v = sample[metric];
    if (v === null || v === undefined) return null;
    return metric === "cache_hit_ratio" ? v * 100 : v;
  }

  function format(v) {
    if (v === null) return "–";
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  }

  // The plot area inside the chart: room on the left for the value axis and
  // at the bottom for the time axis.
  var LEFT = 46, BOTTOM = 18, TOP = 8, RIGHT = 8;

  function el(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // The chart's frame, made once: axes, grid, line, pointer and readout.
  function frame(figure) {
    var svg = el("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img" });
    el("g", { "class": "axis-y" }, svg);
    el("g", { "class": "axis-x" }, svg);
    el("line", { "class": "x-base", x1: LEFT, x2: WIDTH - RIGHT, y1: HEIGHT - BOTTOM, y2: HEIGHT - BOTTOM, stroke: "currentColor", "stroke-width": "1" }, svg);
    el("line", { "class": "y-base", x1: LEFT, x2: LEFT, y1: TOP, y2: HEIGHT - BOTTOM, stroke: "currentColor", "stroke-width": "1" }, svg);
    el("polyline", { fill: "none", "stroke-width": "2", stroke: "currentColor" }, svg);
    el("line", { "class": "pointer", y1: TOP, y2: HEIGHT - BOTTOM, stroke: "currentColor", "stroke-dasharray": "2,2", visibility: "hidden" }, svg);
    figure.insertBefore(svg, figure.firstChild);
    var readout = document.createElement("p");
    readout.className = "readout";
    figure.appendChild(readout);
    var latest = document.createElement("p");
    latest.className = "latest";
    figure.appendChild(latest);
    svg.addEventListener("mousemove", function (event) { point(figure, event); });
    svg.addEventListener("mouseleave", function () { point(figure, null); });
    return svg;
  }

  function axes(svg, max, unit, history) {
    var y = svg.querySelector(".axis-y"), x = svg.querySelector(".axis-x");
    y.textContent = ""; x.textContent = "";
    [0, 0.5, 1].forEach(function (f) {
      var at = HEIGHT - BOTTOM - f * (HEIGHT - TOP - BOTTOM);
      el("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: at, y2: at, stroke: "currentColor", "stroke-opacity": "0.15" }, y);
      el("text", { x: LEFT - 4, y: at + 3, "text-anchor": "end", "font-size": "9", fill: "currentColor" }, y)
        .textContent = format(max * f) + (f === 1 ? " " + unit : "");
    });
    if (!history.length) return;
    var first = history[0].timestamp, last = history[history.length - 1].timestamp;
    [[first, LEFT, "start"], [last, WIDTH - RIGHT, "end"]].forEach(function (tick) {
      el("text", { x: tick[1], y: HEIGHT - 4, "text-anchor": tick[2], "font-size": "9", fill: "currentColor" }, x)
        .textContent = clock(tick[0]);
    });
  }

  // The value under the pointer (event null: the latest sample).
  function point(figure, event) {
    var state = figure.chart;
    if (!state || !state.points.length) return;
    var svg = figure.querySelector("svg"), pointer = svg.querySelector(".pointer");
    var i = state.points.length - 1;
    if (event) {
      var box = svg.getBoundingClientRect();
      var xIn = (event.clientX - box.left) / box.width * WIDTH;
      i = Math.round((xIn - LEFT) / (state.step || 1));
      i = Math.max(0, Math.min(state.points.length - 1, i));
    }
    var x = LEFT + i * state.step;
    pointer.setAttribute("x1", x.toFixed(1));
    pointer.setAttribute("x2", x.toFixed(1));
    pointer.setAttribute("visibility", event ? "visible" : "hidden");
    figure.querySelector(".readout").textContent =
      format(state.points[i]) + " " + figure.dataset.unit + " at " + clock(state.history[i].timestamp);
  }

  function draw(figure, history) {
    var metric = figure.dataset.metric, unit = figure.dataset.unit;
    var points = history.map(function (s) { return value(s, metric); });
    var known = points.filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, known.concat([metric === "cache_hit_ratio" ? 100 : 1]));
    var svg = figure.querySelector("svg") || frame(figure);
    var step = points.length > 1 ? (WIDTH - LEFT - RIGHT) / (points.length - 1) : 0;
    var coords = [];
    points.forEach(function (v, i) {
      if (v === null) return;
      var x = LEFT + i * step;
      var y = HEIGHT - BOTTOM - (v / max) * (HEIGHT - TOP - BOTTOM);
      coords.push(x.toFixed(1) + "," + y.toFixed(1));
    });
    svg.querySelector("polyline").setAttribute("points", coords.join(" "));
    svg.setAttribute("aria-label", figure.querySelector("figcaption").textContent + ", in " + unit);
    axes(svg, max, unit, history);
    figure.chart = { points: points, history: history, step: step };
    point(figure, null);
    var last = history.length ? history[history.length - 1] : null;
    var latestValue = last ? value(last, metric) : null;
    figure.querySelector(".latest").textContent = format(latestValue) + " " + unit + " now (max " + format(known.length ? max : null) + ")";
    figure.dataset.latest = latestValue === null ? "" : String(latestValue);
    figure.dataset.timestamp = last ? String(last.timestamp) : "";
    figure.dataset.points = String(known.length);
  }

  function figures(report) {
    var rows = [
      ["Database", report.database ? report.database.active_connections + " active, " + report.database.total_transactions + " transactions" : "SQLite"],
      ["Pool", report.pool.in_use + " in use, " + report.pool.idle + " idle of " + report.pool.max],
      ["Cache", report.cache.backend + ", hit ratio " + (report.cache.hit_ratio * 100).toFixed(1) + " %, " + report.cache.errors + " errors"],
      ["Redis", report.redis ? report.redis.connected_clients + " clients, " + report.redis.used_memory_human + ", " + report.redis.instantaneous_ops_per_sec + " ops/s" : "not in use"],
      ["System", report.system ? "CPU " + report.system.cpu_percent.toFixed(1) + " %, memory " + report.system.memory_percent.toFixed(1) + " %, disk " + report.system.disk_percent.toFixed(1) + " %" : "sampling…"],
      ["Process", (report.process.resident_memory_bytes / 1048576).toFixed(1) + " MiB, up " + report.process.uptime_seconds + " s"]
    ];
    var dl = document.getElementById("figures");
    dl.textContent = "";
    rows.forEach(function (row) {
      var dt = document.createElement("dt"); dt.textContent = row[0];
      var dd = document.createElement("dd"); dd.textContent = row[1];
      dl.appendChild(dt); dl.appendChild(dd);
    });
  }

  function refresh() {
    fetch("/api/monitoring/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status === 401 || response.status === 403
          ? "Monitoring needs an admin token (cookie blog_token)." : "HTTP " + response.status);
        return response.json();
      })
      .then(function (report) {
        document.querySelectorAll("#charts .chart").forEach(function (figure) { draw(figure, report.history); });
        figures(report);
        var status = document.getElementById("status");
        status.textContent = "Updated " + new Date(report.timestamp).toLocaleTimeString() + " · " + report.history.length + " samples";
        status.dataset.loaded = "true";
      })
      .catch(function (err) { document.getElementById("status").textContent = err.message; });
  }

  refresh();
  setInterval(refresh, 2000);
})();
