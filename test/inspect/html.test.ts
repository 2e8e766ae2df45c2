/**
 * `cube inspect --html`, rendered by headless Chromium (Debian's `chromium`, installed by
 * .ci/run): the page's script runs without error, the treemap has one rectangle per entry it
 * says it draws (the image's largest files among them, coloured by their origin), the legend
 * names every origin, nothing is fetched from anywhere, and the screenshot has the window's size.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/inspect/index.js';
import { escapeHtml, originColour } from '../../src/inspect/render-html.js';
import { useInspectProject } from '../helpers/inspect-project.js';
import type { InspectProject } from '../helpers/inspect-project.js';

const built = useInspectProject({ built: true });
let project: InspectProject;
let page: string;
let report: InspectReport;

beforeAll(async () => {
  project = built();
  page = join(project.dir, 'report', 'inspect.html');
  await mkdir(join(project.dir, 'report'));
  const run = await project.inspect('out', '--format', 'json', '--html', page);
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(run.stdout) as InspectReport;
});

/** Runs headless Chromium on the page with `args`, its profile and home in the project's directory, bounded in time. */
function chromium(...args: string[]) {
  const profile = join(project.dir, 'chromium');
  return execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--window-size=1200,900', ...args, pathToFileURL(page).href], {
    env: { HOME: profile },
    timeout: 60_000,
    maxBuffer: 1 << 26,
  });
}

describe('the HTML page', () => {
  it('is one self-contained file that loads nothing', async () => {
    const html = await readFile(page, 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=/);
    // The report itself is in the page, as the JSON output gives it.
    const data = /<script type="application\/json" id="cube-inspect-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(JSON.parse(data)).toEqual(report);
  });

  it('renders in Chromium: one rectangle per drawn entry, coloured by origin, and every origin in the legend', async () => {
    const dom = (await chromium('--dump-dom')).stdout;
    // The script ran to its end.
    expect(dom).toMatch(/<body data-ready="true">/);
    const rects = [...dom.matchAll(/<rect class="entry (dir|file)" data-path="([^"]*)" data-origin="(\d+)"[^>]* fill="([^"]*)"/g)];
    const shown = Number(/<svg id="treemap"[^>]* data-shown="(\d+)"/.exec(dom)?.[1]);
    expect(rects.length).toBe(shown);
    expect(new Set(rects.map((r) => r[2])).size).toBe(shown);
    for (const file of report.largest) {
      const rect = rects.find((r) => r[2] === escapeHtml(file.path));
      expect(rect, file.path).toBeDefined();
      expect(Number(rect?.[3])).toBe(file.origin);
      expect(rect?.[4]).toBe(originColour(report, file.origin));
    }
    const legend = [...dom.matchAll(/<li data-origin="(\d+)"><span class="swatch"[^>]*><\/span><span class="label">([^<]*)<\/span>/g)];
    expect(legend.map((l) => l[2])).toEqual(report.origins.map((o) => escapeHtml(o.label)));
    expect(dom).toContain(`${shown} entries drawn; hover one for its size and origin.`);
  });

  it('renders a screenshot of the window size', async () => {
    const shot = join(project.dir, 'report', 'shot.png');
    await chromium(`--screenshot=${shot}`);
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR, the first chunk: width and height, big-endian.
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width: 1200, height: 900 });
  });
});
