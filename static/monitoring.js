// Live charts for /monitoring/: polls /api/monitoring/ every 2 s and draws each
// series of its history as an SVG line. No library, no CDN.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 320, HEIGHT = 110, PAD = 4;

  function value(sample, metric) {
    var v = sample[metric];
    if (v === null || v === undefined) return null;
    return metric === "cache_hit_ratio" ? v * 100 : v;
  }

  function format(v) {
    if (v === null) return "–";
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  }

  function draw(figure, history) {
    var metric = figure.dataset.metric;
    var points = history.map(function (s) { return value(s, metric); });
    var known = points.filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, known.concat([metric === "cache_hit_ratio" ? 100 : 1]));
    var svg = figure.querySelector("svg");
    if (!svg) {
      svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
      svg.setAttribute("role", "img");
      var line = document.createElementNS(SVG, "polyline");
      line.setAttribute("fill", "none");
      line.setAttribute("stroke-width", "2");
      svg.appendChild(line);
      figure.insertBefore(svg, figure.firstChild);
      var latest = document.createElement("p");
      latest.className = "latest";
      figure.appendChild(latest);
    }
    var step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
    var coords = [];
    points.forEach(function (v, i) {
      if (v === null) return;
      var x = PAD + i * step;
      var y = HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD);
      coords.push(x.toFixed(1) + "," + y.toFixed(1));
    });
    svg.querySelector("polyline").setAttribute("points", coords.join(" "));
    svg.setAttribute("aria-label", figure.querySelector("figcaption").textContent);
    var last = history.length ? history[history.length - 1] : null;
    var latestValue = last ? value(last, metric) : null;
    var p = figure.querySelector(".latest");
    p.textContent = format(latestValue) + " " + figure.dataset.unit + " (max " + format(known.length ? max : null) + ")";
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
