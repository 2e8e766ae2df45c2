/**
 * The report as one self-contained HTML page: a treemap of the image by the space each entry
 * takes, coloured by origin, with a legend, names on the rectangles that have room and details
 * on hover, then the same tables as the text. Styles, script and data are inline; the page
 * loads nothing from anywhere, so it can be opened from a CI artifact as it is.
 */
import { formatBytes } from '../core/format.js';
import type { InspectReport } from './report.js';
import { layoutTreemap } from './treemap.js';
import type { TreemapRect } from './treemap.js';
import { allNodes } from './tree.js';
import type { TreeNode } from './tree.js';
import { INSPECT_PAGE_SCRIPT, INSPECT_PAGE_STYLE } from './page-assets.js';

/** The treemap's size in CSS pixels. */
const WIDTH = 1160;
const HEIGHT = 640;
/** Pixels per character of a label, for cutting names to their rectangle. */
const CHAR_WIDTH = 6.6;

/** Text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A colour per origin: hues a golden angle apart; cube's own filesystem and unknown origins grey. */
export function originColour(report: InspectReport, origin: number): string {
  const kind = report.origins[origin]?.kind;
  if (kind === 'filesystem') return '#c9c9c9';
  if (kind === 'unknown') return '#9a9a9a';
  return `hsl(${Math.round((origin * 137.508) % 360)}, 58%, 60%)`;
}

/** The origin holding most of the space below a directory whose children are not drawn. */
function dominantOrigin(node: TreeNode): number {
  const weights = new Map<number, number>();
  for (const n of allNodes(node)) weights.set(n.origin, (weights.get(n.origin) ?? 0) + n.allocated);
  let best = node.origin;
  for (const [origin, weight] of weights) if (weight > (weights.get(best) ?? 0)) best = origin;
  return best;
}

function label(r: TreemapRect, opened: boolean): string {
  if (r.w < 40 || r.h < 14) return '';
  const room = Math.floor((r.w - 6) / CHAR_WIDTH);
  const name = r.node.name.length > room ? `${r.node.name.slice(0, Math.max(1, room - 1))}…` : r.node.name;
  const y = opened ? r.y + 11 : r.y + Math.min(r.h / 2 + 4, 14);
  return `<text x="${(r.x + 3).toFixed(1)}" y="${y.toFixed(1)}">${escapeHtml(name)}</text>`;
}

/** The treemap as inline SVG: one `rect.entry` per drawn entry. */
function treemapSvg(report: InspectReport, tree: TreeNode): string {
  const rects = layoutTreemap(tree, WIDTH, HEIGHT);
  const opened = new Set(rects.map((r) => r.parent));
  const shapes = rects.map((r) => {
    const isOpen = opened.has(r.node);
    const origin = r.node.type === 'dir' && !isOpen ? dominantOrigin(r.node) : r.node.origin;
    const fill = isOpen ? '#f3f3f3' : originColour(report, origin);
    const what = report.origins[origin]?.label ?? '';
    const title = `${r.node.path}\n${formatBytes(r.node.total.size)} in files, ${formatBytes(r.node.total.allocated)} allocated\n${what}`;
    const attributes = `class="entry ${r.node.type === 'dir' ? 'dir' : 'file'}" data-path="${escapeHtml(r.node.path)}" data-origin="${origin}" data-allocated="${r.node.total.allocated}"`;
    const box = `x="${r.x.toFixed(1)}" y="${r.y.toFixed(1)}" width="${r.w.toFixed(1)}" height="${r.h.toFixed(1)}"`;
    return `<rect ${attributes} ${box} fill="${fill}"><title>${escapeHtml(title)}</title></rect>${label(r, isOpen)}`;
  });
  return `<svg id="treemap" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" data-shown="${rects.length}" role="img" aria-label="treemap of ${escapeHtml(report.image.path)} by allocated size">${shapes.join('')}</svg>`;
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const cell = (tag: string, text: string, c: number): string => `<${tag}${numeric[c] ? ' class="n"' : ''}>${text}</${tag}>`;
  return `<table><thead><tr>${header.map((h, c) => cell('th', escapeHtml(h), c)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, c) => cell('td', v, c)).join('')}</tr>`).join('')}</tbody></table>`;
}

function swatch(report: InspectReport, origin: number): string {
  return `<span class="swatch" style="background:${originColour(report, origin)}"></span>`;
}

/** The legend and the three tables. */
function tables(report: InspectReport): string {
  const legend = report.origins
    .map((o, i) => `<li data-origin="${i}">${swatch(report, i)}<span class="label">${escapeHtml(o.label)}</span> <span class="where">${escapeHtml(o.location ?? '')}</span> <span class="n">${formatBytes(o.allocated)}</span></li>`)
    .join('');
  const origins = htmlTable(
    ['origin', 'where', 'entries', 'size', 'allocated'],
    report.origins.map((o, i) => [`${swatch(report, i)}${escapeHtml(o.label)}`, escapeHtml(o.location ?? ''), String(o.entries), formatBytes(o.size), formatBytes(o.allocated)]),
    [false, false, true, true, true],
  );
  const directories = htmlTable(
    ['directory', 'entries', 'size', 'allocated'],
    report.directories.map((d) => [escapeHtml(d.path), String(d.entries), formatBytes(d.size), formatBytes(d.allocated)]),
    [false, true, true, true],
  );
  const largest = htmlTable(
    ['file', 'size', 'allocated', 'origin'],
    report.largest.map((f) => [escapeHtml(f.path), formatBytes(f.size), formatBytes(f.allocated), `${swatch(report, f.origin)}${escapeHtml(report.origins[f.origin]?.label ?? '')}`]),
    [false, true, true, false],
  );
  return `<section class="legend"><h2>Origins</h2><ul id="legend">${legend}</ul></section>
<section><h2>By origin</h2>${origins}</section>
<section><h2>Largest directories (depth 1 to ${report.depth})</h2>${directories}</section>
<section><h2>Largest files</h2>${largest}</section>`;
}

/** The page. */
export function renderInspectHtml(report: InspectReport, tree: TreeNode): string {
  const { image, totals } = report;
  const summary = `${formatBytes(image.size)} image, ${formatBytes(image.usedBlocks * image.blockSize)} used; ${totals.files} files, ${totals.directories} directories, ${totals.symlinks} symlinks; ${formatBytes(totals.size)} in files`;
  // `<` escaped so no name can end the script element early.
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cube inspect: ${escapeHtml(image.path)}</title>
<style>${INSPECT_PAGE_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(image.path)}</h1><p>${escapeHtml(summary)}${image.sha256 ? ` <code>${image.sha256}</code>` : ''}</p></header>
<main>
<section class="map">${treemapSvg(report, tree)}<p id="details">Hover an entry for its size and origin.</p></section>
${tables(report)}
</main>
<script type="application/json" id="cube-inspect-data">${data}</script>
<script>${INSPECT_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
