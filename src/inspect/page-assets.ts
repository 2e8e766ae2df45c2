/**
 * The inline style and script of the inspect page (render-html.ts). The script is small and
 * optional: the treemap, its labels, its native tooltips and the tables are all in the markup;
 * the script adds the details line on hover and dims the other origins while one is hovered in
 * the legend. It reads the report from the page's own JSON, never from the network.
 */

/** The page's CSS. */
export const INSPECT_PAGE_STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 16px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 18px 0 6px; }
header p { margin: 0 0 10px; color: #555; }
code { font-size: 12px; }
#treemap { display: block; max-width: 100%; height: auto; border: 1px solid #999; background: #fafafa; }
#treemap rect.entry { stroke: #fff; stroke-width: 0.6; }
#treemap rect.entry:hover { stroke: #000; stroke-width: 1.5; }
#treemap rect.dim { opacity: 0.2; }
#treemap text { font-size: 10px; fill: #111; pointer-events: none; }
#details { min-height: 1.4em; margin: 6px 0 0; font-family: ui-monospace, monospace; white-space: pre; }
#legend { list-style: none; padding: 0; margin: 0; columns: 2; }
#legend li { cursor: default; padding: 1px 0; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 6px; vertical-align: -1px; border: 1px solid #0003; }
.where { color: #666; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #eee; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
`;

/** The page's script. */
export const INSPECT_PAGE_SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('cube-inspect-data').textContent);
  var map = document.getElementById('treemap');
  var details = document.getElementById('details');
  var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function bytes(n) {
    var u = 0;
    while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return u === 0 ? n + ' B' : n.toFixed(1) + ' ' + units[u];
  }
  var rects = map.querySelectorAll('rect.entry');
  details.textContent = rects.length + ' entries drawn; hover one for its size and origin.';
  map.addEventListener('mouseover', function (event) {
    var r = event.target.closest('rect.entry');
    if (!r) return;
    var origin = report.origins[Number(r.dataset.origin)];
    details.textContent = r.dataset.path + '  ' + bytes(Number(r.dataset.allocated)) + ' allocated  ' + (origin ? origin.label + (origin.location ? ' (' + origin.location + ')' : '') : '');
  });
  document.querySelectorAll('#legend li').forEach(function (item) {
    item.addEventListener('mouseenter', function () {
      rects.forEach(function (r) { r.classList.toggle('dim', r.dataset.origin !== item.dataset.origin); });
    });
    item.addEventListener('mouseleave', function () {
      rects.forEach(function (r) { r.classList.remove('dim'); });
    });
  });
  document.body.dataset.ready = 'true';
})();
`;
