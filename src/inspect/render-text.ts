/** The inspect report as text: a summary, then one table per question (by origin, by directory, largest files). */
import { shortDigest } from '../core/digest.js';
import { formatBytes } from '../core/format.js';
import type { InspectReport } from './report.js';

type Align = 'left' | 'right';

/** Columns padded to their widest cell, the header first; each row indented by two spaces. */
function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    '  ' +
    cells
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The report as text, for people. */
export function renderInspectText(report: InspectReport): string {
  const { image, totals } = report;
  const used = image.usedBlocks * image.blockSize;
  const head =
    `${image.path}${image.sha256 ? `  ${shortDigest(image.sha256)}` : ''}\n` +
    `  image     ${formatBytes(image.size)}: ${formatBytes(used)} used (${image.usedBlocks} of ${image.blocks} blocks of ${image.blockSize} bytes), ${image.usedInodes} of ${image.inodes} inodes\n` +
    `  contents  ${count(totals.files, 'file')}, ${count(totals.directories, 'directory', 'directories')}, ${count(totals.symlinks, 'symlink')}, ${count(totals.hardLinks, 'hard link')}, ${totals.other} other; ` +
    `${formatBytes(totals.size)} in files, ${formatBytes(totals.allocated)} allocated\n`;
  const origins = table(
    ['origin', 'where', 'entries', 'size', 'allocated'],
    report.origins.map((o) => [o.label, o.location ?? '', String(o.entries), formatBytes(o.size), formatBytes(o.allocated)]),
    ['left', 'left', 'right', 'right', 'right'],
  );
  const directories = table(
    ['directory', 'entries', 'size', 'allocated'],
    report.directories.map((d) => [d.path, String(d.entries), formatBytes(d.size), formatBytes(d.allocated)]),
    ['left', 'right', 'right', 'right'],
  );
  const largest = table(
    ['file', 'size', 'allocated', 'origin'],
    report.largest.map((f) => [f.path, formatBytes(f.size), formatBytes(f.allocated), report.origins[f.origin]?.label ?? '']),
    ['left', 'right', 'right', 'left'],
  );
  return `${head}\nBy origin\n${origins}\nLargest directories (depth 1 to ${report.depth})\n${directories}\nLargest files\n${largest}`;
}
