/**
 * The dashboard: one self-contained page (no external scripts, styles or fonts). It asks
 * for the admin key (or takes it from `#key=...` in the URL, kept in sessionStorage),
 * polls `/cache/dashboard` every second and draws inline SVG charts.
 */
export function dashboardHtml(): string {
  return PAGE;
}

/** The favicon: a small two-tier stack mark, also served at `/favicon.ico`. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f1419"/><rect x="6" y="7" width="20" height="7" rx="2" fill="#4cc38a"/><rect x="6" y="18" width="20" height="7" rx="2" fill="#5aa9e6"/></svg>';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cachestack dashboard</title>
<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}">
<style>
  :root { --bg:#0f1419; --panel:#182028; --line:#2a3540; --text:#d8dee4; --muted:#8b98a5;
          --l1:#4cc38a; --l2:#5aa9e6; --miss:#e5534b; --stale:#d29922; --p50:#5aa9e6; --p95:#d29922; --p99:#e5534b; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .meta { color:var(--muted); font-size:12px; }
  main { display:grid; grid-template-columns:repeat(auto-fill,minmax(420px,1fr)); gap:14px; padding:16px 20px; }
  .panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
  .panel h2 { font-size:13px; margin:0 0 8px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
  .cards { display:grid; grid-template-columns:repeat(4,1fr); gap:10px; }
  .card { background:#121920; border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
  .card .v { font-size:22px; font-weight:600; font-variant-numeric:tabular-nums; }
  .card .k { color:var(--muted); font-size:11px; text-transform:uppercase; }
  .ok { color:var(--l1); } .warn { color:var(--stale); } .bad { color:var(--miss); }
  svg.chart { width:100%; height:170px; display:block; }
  svg.chart .grid { stroke:var(--line); stroke-width:1; }
  svg.chart text { fill:var(--muted); font-size:10px; }
  svg.chart text.x { text-anchor:middle; } svg.chart text.x.first { text-anchor:start; } svg.chart text.x.last { text-anchor:end; }
  #consistency table { margin-top:6px; } #consistency td.num { font-variant-numeric:tabular-nums; }
  #consistency code { color:var(--muted); word-break:break-all; }
  .legend { display:flex; gap:12px; flex-wrap:wrap; font-size:12px; color:var(--muted); margin-top:4px; }
  .legend i { display:inline-block; width:10px; height:3px; vertical-align:middle; margin-right:4px; }
  ul.issues { margin:6px 0 0; padding-left:18px; } ul.issues li { margin:2px 0; }
  table { width:100%; border-collapse:collapse; font-size:12px; } td, th { text-align:left; padding:3px 4px; border-bottom:1px solid var(--line); }
  button { background:#24313d; color:var(--text); border:1px solid var(--line); border-radius:5px; padding:6px 10px; cursor:pointer; }
  button:hover { background:#2d3d4b; }
  .progress { height:6px; background:#121920; border-radius:3px; overflow:hidden; margin-top:6px; }
  .progress div { height:100%; width:0; background:var(--l2); transition:width .3s; }
  #login { max-width:420px; margin:80px auto; }
  input { width:100%; padding:8px; background:#121920; color:var(--text); border:1px solid var(--line); border-radius:5px; }
  pre { white-space:pre-wrap; font-size:12px; color:var(--muted); margin:6px 0 0; max-height:160px; overflow:auto; }
  .wide { grid-column:1 / -1; }
</style>
</head>
<body>
<header>
  <h1>cachestack</h1>
  <span class="meta" id="meta">connecting…</span>
  <span class="meta" id="updated" data-testid="updated"></span>
</header>
<div id="login" class="panel" hidden>
  <h2>Admin API key</h2>
  <form id="login-form"><input id="key-input" type="password" placeholder="X-API-Key" autocomplete="off"><p><button type="submit">Open dashboard</button></p></form>
  <p class="meta" id="login-error"></p>
</div>
<main id="dash" hidden>
  <section class="panel wide">
    <div class="cards">
      <div class="card"><div class="k">Health score</div><div class="v" id="health-score" data-testid="health-score">–</div><div class="k" id="health-status"></div></div>
      <div class="card"><div class="k">L1 entries</div><div class="v" id="l1-entries" data-testid="l1-entries">–</div><div class="k" id="l1-bytes"></div></div>
      <div class="card"><div class="k">L2 circuit</div><div class="v" id="circuit" data-testid="circuit">–</div><div class="k" id="l2-kind"></div></div>
      <div class="card"><div class="k">Bus</div><div class="v" id="bus" data-testid="bus">–</div><div class="k" id="ratelimit"></div></div>
    </div>
  </section>
  <section class="panel">
    <h2>Hit rate by tier (%)</h2>
    <svg class="chart" id="chart-tiers" data-testid="chart-tiers" viewBox="0 0 400 170" preserveAspectRatio="none"></svg>
    <div class="legend"><span><i style="background:var(--l1)"></i>L1 hits</span><span><i style="background:var(--l2)"></i>L2 hits</span><span><i style="background:var(--stale)"></i>stale</span><span><i style="background:var(--miss)"></i>misses</span></div>
  </section>
  <section class="panel">
    <h2>Hit rate by namespace (%)</h2>
    <svg class="chart" id="chart-ns" data-testid="chart-ns" viewBox="0 0 400 170" preserveAspectRatio="none"></svg>
    <div class="legend" id="ns-legend"></div>
  </section>
  <section class="panel">
    <h2>Read latency (ms)</h2>
    <svg class="chart" id="chart-latency" data-testid="chart-latency" viewBox="0 0 400 170" preserveAspectRatio="none"></svg>
    <div class="legend"><span><i style="background:var(--p50)"></i>p50</span><span><i style="background:var(--p95)"></i>p95</span><span><i style="background:var(--p99)"></i>p99</span></div>
  </section>
  <section class="panel">
    <h2>L1 size (entries)</h2>
    <svg class="chart" id="chart-l1" data-testid="chart-l1" viewBox="0 0 400 170" preserveAspectRatio="none"></svg>
  </section>
  <section class="panel">
    <h2>Health issues</h2>
    <div id="issues" data-testid="issues">–</div>
  </section>
  <section class="panel">
    <h2>Actions</h2>
    <p><button id="btn-warmup">Warm up</button> <button id="btn-load">Load test (3 s)</button> <button id="btn-consistency">Check consistency</button></p>
    <div class="progress"><div id="warmup-bar"></div></div>
    <pre id="action-out" data-testid="action-out"></pre>
    <div id="consistency" data-testid="consistency"></div>
  </section>
  <section class="panel wide">
    <h2>Namespaces and integrations</h2>
    <table id="ns-table"></table>
    <table id="integrations" style="margin-top:10px"></table>
  </section>
</main>
<script>
(function () {
  'use strict';
  var COLORS = ['#4cc38a', '#5aa9e6', '#d29922', '#e5534b', '#b083f0', '#39c5cf'];
  var key = null;
  var timer = null;
  var m = /[#&]key=([^&]+)/.exec(location.hash);
  if (m) { key = decodeURIComponent(m[1]); sessionStorage.setItem('cachestack-key', key); history.replaceState(null, '', location.pathname); }
  else key = sessionStorage.getItem('cachestack-key');
  var $ = function (id) { return document.getElementById(id); };
  function api(method, path, body) {
    return fetch(path, { method: method, headers: Object.assign({ 'x-api-key': key }, body ? { 'content-type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { if (r.status === 401) { showLogin('The key was refused.'); throw new Error('401'); } return r.json(); });
  }
  function showLogin(msg) { if (timer) { clearInterval(timer); timer = null; } $('dash').hidden = true; $('login').hidden = false; $('login-error').textContent = msg || ''; }
  $('login-form').addEventListener('submit', function (e) { e.preventDefault(); key = $('key-input').value; sessionStorage.setItem('cachestack-key', key); start(); });
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function fmtBytes(b) { return b > 1048576 ? (b / 1048576).toFixed(1) + ' MB' : b > 1024 ? (b / 1024).toFixed(1) + ' kB' : b + ' B'; }
  function clock(t) { var d = new Date(t); return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (v) { return (v < 10 ? '0' : '') + v; }).join(':'); }
  // Draws series (arrays of numbers, one per point) as polylines in an SVG, over a time
  // axis from opts.times (the end of each point's slice, epoch ms).
  function chart(svg, seriesList, opts) {
    var W = 400, H = 170, P = 28, TOP = 8, BOTTOM = 18, plot = H - TOP - BOTTOM;
    var max = opts.max;
    if (max === undefined) { max = 0; seriesList.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); }); max = max <= 0 ? 1 : max * 1.15; }
    var n = 0; seriesList.forEach(function (s) { n = Math.max(n, s.values.length); });
    var xAt = function (i) { return P + (W - P) * (n <= 1 ? 1 : i / (n - 1)); };
    var out = '';
    for (var g = 0; g <= 4; g++) { var y = TOP + plot * g / 4; out += '<line class="grid" x1="' + P + '" x2="' + W + '" y1="' + y + '" y2="' + y + '"/>'; out += '<text x="0" y="' + (y + 3) + '">' + (max * (4 - g) / 4).toFixed(max < 10 ? 1 : 0) + '</text>'; }
    var times = opts.times || [];
    if (times.length > 0) {
      var ticks = times.length === 1 ? [0] : [0, Math.round((times.length - 1) / 3), Math.round(2 * (times.length - 1) / 3), times.length - 1];
      ticks.filter(function (v, i, a) { return a.indexOf(v) === i; }).forEach(function (i, k, a) {
        var cls = 'x' + (k === 0 && a.length > 1 ? ' first' : '') + (k === a.length - 1 ? ' last' : '');
        out += '<line class="grid" x1="' + xAt(i).toFixed(1) + '" x2="' + xAt(i).toFixed(1) + '" y1="' + (TOP + plot) + '" y2="' + (TOP + plot + 3) + '"/>';
        out += '<text class="' + cls + '" x="' + xAt(i).toFixed(1) + '" y="' + (H - 3) + '">' + clock(times[i]) + '</text>';
      });
    }
    seriesList.forEach(function (s) {
      if (s.values.length === 0) return;
      var pts = s.values.map(function (v, i) { var y = TOP + plot * (1 - Math.min(v, max) / max); return xAt(i).toFixed(1) + ',' + y.toFixed(1); });
      out += '<polyline data-series="' + esc(s.name) + '" fill="none" stroke="' + s.color + '" stroke-width="2" points="' + pts.join(' ') + '"/>';
    });
    svg.innerHTML = out;
  }
  function pct(part, total) { return total === 0 ? 0 : 100 * part / total; }
  function render(d) {
    var st = d.status, h = d.health, series = d.series;
    $('meta').textContent = 'database ' + st.database + ' · L2 ' + st.l2.kind + ' · up ' + st.uptimeSec + ' s · config generation ' + st.generation;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    var hs = $('health-score'); hs.textContent = h.score; hs.className = 'v ' + (h.status === 'healthy' ? 'ok' : h.status === 'degraded' ? 'warn' : 'bad');
    $('health-status').textContent = h.status;
    $('l1-entries').textContent = st.l1.entries.toLocaleString();
    $('l1-bytes').textContent = fmtBytes(st.l1.bytes) + ' of ' + (st.l1.maxBytes ? fmtBytes(st.l1.maxBytes) : '∞');
    var c = $('circuit'); c.textContent = st.l2.circuit; c.className = 'v ' + (st.l2.circuit === 'closed' ? 'ok' : st.l2.circuit === 'open' ? 'bad' : 'warn');
    $('l2-kind').textContent = 'L2: ' + st.l2.kind + (st.l2.pendingInvalidations ? ' · ' + st.l2.pendingInvalidations + ' pending' : '');
    var b = $('bus'); b.textContent = st.bus; b.className = 'v ' + (st.bus === 'connected' ? 'ok' : st.bus === 'none' ? '' : 'bad');
    $('ratelimit').textContent = 'rate limit: ' + (st.rateLimit ? st.rateLimit.state : 'n/a');
    $('issues').innerHTML = h.issues.length === 0 ? '<span class="ok">No issues</span>' :
      '<ul class="issues">' + h.issues.map(function (i) { return '<li class="' + (i.severity === 'critical' ? 'bad' : 'warn') + '">' + esc(i.message) + '</li>'; }).join('') + '</ul>' +
      (h.recommendations.length ? '<ul class="issues">' + h.recommendations.map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul>' : '');
    var tiers = { l1: [], l2: [], stale: [], miss: [] }, nsNames = {}, lat = { p50: [], p95: [], p99: [] }, l1 = [];
    var times = series.map(function (p) { return p.t; });
    series.forEach(function (p) { Object.keys(p.ns).forEach(function (n) { nsNames[n] = true; }); });
    var names = Object.keys(nsNames).sort(); var nsSeries = {}; names.forEach(function (n) { nsSeries[n] = []; });
    series.forEach(function (p) {
      var t = { l1: 0, l2: 0, stale: 0, miss: 0 };
      names.forEach(function (n) { var c = p.ns[n]; var tot = c ? c.l1 + c.l2 + c.stale + c.miss : 0; nsSeries[n].push(c ? pct(c.l1 + c.l2 + c.stale, tot) : 0); if (c) { t.l1 += c.l1; t.l2 += c.l2; t.stale += c.stale; t.miss += c.miss; } });
      var total = t.l1 + t.l2 + t.stale + t.miss;
      tiers.l1.push(pct(t.l1, total)); tiers.l2.push(pct(t.l2, total)); tiers.stale.push(pct(t.stale, total)); tiers.miss.push(pct(t.miss, total));
      lat.p50.push(p.p50); lat.p95.push(p.p95); lat.p99.push(p.p99); l1.push(p.l1Entries);
    });
    chart($('chart-tiers'), [{ name: 'l1', color: '#4cc38a', values: tiers.l1 }, { name: 'l2', color: '#5aa9e6', values: tiers.l2 }, { name: 'stale', color: '#d29922', values: tiers.stale }, { name: 'miss', color: '#e5534b', values: tiers.miss }], { max: 100, times: times });
    chart($('chart-ns'), names.map(function (n, i) { return { name: n, color: COLORS[i % COLORS.length], values: nsSeries[n] }; }), { max: 100, times: times });
    $('ns-legend').innerHTML = names.map(function (n, i) { return '<span><i style="background:' + COLORS[i % COLORS.length] + '"></i>' + esc(n) + '</span>'; }).join('');
    chart($('chart-latency'), [{ name: 'p50', color: '#5aa9e6', values: lat.p50 }, { name: 'p95', color: '#d29922', values: lat.p95 }, { name: 'p99', color: '#e5534b', values: lat.p99 }], { times: times });
    chart($('chart-l1'), [{ name: 'entries', color: '#4cc38a', values: l1 }], { times: times });
    var rows = '<tr><th>namespace</th><th>L1 hits</th><th>L2 hits</th><th>stale</th><th>misses</th><th>loads</th><th>hit rate</th></tr>';
    Object.keys(st.totals).sort().forEach(function (n) { var c = st.totals[n]; var tot = c.l1 + c.l2 + c.stale + c.miss; rows += '<tr><td>' + esc(n) + '</td><td>' + c.l1 + '</td><td>' + c.l2 + '</td><td>' + c.stale + '</td><td>' + c.miss + '</td><td>' + c.loads + '</td><td>' + pct(c.l1 + c.l2 + c.stale, tot).toFixed(1) + '%</td></tr>'; });
    $('ns-table').innerHTML = rows;
    $('integrations').innerHTML = '<tr><th>integration</th><th>state</th><th>detail</th></tr>' + st.integrations.map(function (i) { return '<tr><td>' + esc(i.name) + '</td><td class="' + (i.state === 'active' ? 'ok' : i.state === 'off' ? '' : 'warn') + '">' + esc(i.state) + '</td><td>' + esc(i.detail) + '</td></tr>'; }).join('') +
      (st.rateLimit ? '<tr><td>@cachestack/ratelimit</td><td class="' + (st.rateLimit.state === 'active' ? 'ok' : 'warn') + '">' + esc(st.rateLimit.state) + '</td><td>' + esc(st.rateLimit.detail) + '</td></tr>' : '');
    if (d.warmup && d.warmup.progress) { var w = d.warmup.progress; $('warmup-bar').style.width = (w.total ? 100 * w.done / w.total : 100) + '%'; }
  }
  function poll() { api('GET', '/cache/dashboard').then(function (d) { $('login').hidden = true; $('dash').hidden = false; render(d); }).catch(function () {}); }
  function start() { if (!key) { showLogin(''); return; } poll(); if (timer) clearInterval(timer); timer = setInterval(poll, 1000); }
  function out(x) { $('action-out').textContent = typeof x === 'string' ? x : JSON.stringify(x, null, 2); }
  $('btn-warmup').addEventListener('click', function () { out('warming…'); api('POST', '/cache/warmup', {}).then(out); });
  $('btn-load').addEventListener('click', function () { out('running a 3 s load test…'); api('POST', '/cache/load-test', { durationMs: 3000, concurrency: 8 }).then(out); });
  function short(v) { var s = JSON.stringify(v); return s === undefined ? '–' : s.length > 80 ? s.slice(0, 77) + '…' : s; }
  // The consistency check's result as tables: the summary, then one row per mismatch.
  function consistencyTable(r) {
    var html = '<table><tr><th>sampled</th><th>compared</th><th>mismatches</th><th>repaired</th><th>duration</th></tr><tr>' +
      '<td class="num">' + r.sampled + '</td><td class="num">' + r.compared + '</td><td class="num ' + (r.mismatches.length ? 'bad' : 'ok') + '">' + r.mismatches.length + '</td><td class="num">' + r.repaired + '</td><td class="num">' + Math.round(r.durationMs) + ' ms</td></tr></table>';
    if (r.mismatches.length > 0) {
      html += '<table data-testid="mismatches"><tr><th>key</th><th>tier</th><th>cached</th><th>database</th><th>repaired</th></tr>' + r.mismatches.map(function (m) {
        return '<tr><td><code>' + esc(m.key) + '</code></td><td>' + esc(m.tier) + '</td><td><code>' + esc(short(m.cached)) + '</code></td><td><code>' + esc(short(m.database)) + '</code></td><td>' + (m.repaired ? 'yes' : 'no') + '</td></tr>';
      }).join('') + '</table>';
    }
    return html;
  }
  $('btn-consistency').addEventListener('click', function () {
    out('checking…'); $('consistency').innerHTML = '';
    api('POST', '/cache/consistency', { sampleSize: 300 }).then(function (r) {
      if (r.status >= 400) { out(r.detail || 'failed'); return; }
      out(''); $('consistency').innerHTML = consistencyTable(r);
    });
  });
  start();
})();
</script>
</body>
</html>
`;
