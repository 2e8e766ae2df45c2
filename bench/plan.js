#!/usr/bin/env node
/**
 * Planning cost once Node has started: parse + plan each example with a warm stat cache (so no
 * file is re-read), timed in-process over repeated runs. Needs `npm run build` and the example
 * images (`npm run example:images`). Usage: node bench/plan.js [--runs N]
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createImageSources } from '../dist/executor/image/index.js';
import { parseCubefile } from '../dist/parser/index.js';
import { planBuild } from '../dist/planner/index.js';

const here = dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 50;
const cacheDir = mkdtempSync(join(tmpdir(), 'cube-bench-plan-'));
const envd = join(here, '..', 'examples', 'images', 'envd');

console.log(`| example (${runs} runs, warm stat cache) | median ms | p95 ms | files read |`);
console.log('|---|---:|---:|---:|');
for (const example of ['python-web', 'node-app', 'byo-envd']) {
  const file = join(here, '..', 'examples', example, 'Cubefile');
  const text = await readFile(file, 'utf8');
  const once = async () => {
    const parsed = parseCubefile(text, { path: 'Cubefile' });
    return planBuild({
      spec: parsed.spec,
      spans: parsed.spans,
      buildFile: file,
      contextDir: dirname(file),
      envdPathFlag: envd,
      env: {},
      resolver: createImageSources({ cacheDir }).resolver,
      cacheDir,
      lock: 'refresh',
    });
  };
  await once();
  await once();
  const times = [];
  let filesRead = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    filesRead += (await once()).filesRead;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
  console.log(`| ${example} | ${at(0.5)} | ${at(0.95)} | ${filesRead} |`);
}
