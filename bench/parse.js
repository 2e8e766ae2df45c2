#!/usr/bin/env node
/**
 * Parsing cost after start-up: a 5,000-line Cubefile (the examples' instructions repeated, with
 * continuations and comments) parsed in-process; median of repeated runs after a warm-up. Then
 * how the time grows: the same text at a quarter of the size, and the ratio of the two medians
 * (linear ≈ 4, quadratic ≈ 16).
 * Needs `npm run build`. Usage: node bench/parse.js [--lines N] [--runs N]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCubefile } from '../dist/parser/index.js';

const here = dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const lines = args.includes('--lines') ? Number(args[args.indexOf('--lines') + 1]) : 5000;
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 20;
const body = readFileSync(join(here, '..', 'examples', 'python-web', 'Cubefile'), 'utf8')
  .split('\n')
  .filter((l) => !/^(FROM|INJECT|SEAL|ENTRYPOINT wrap|ARG PORT$)/.test(l));
const out = ['ARG PORT=8080', 'FROM python:3.12', 'ARG PORT'];
while (out.length < lines) out.push(...body);
const textOf = (n) => out.slice(0, n).join('\n') + '\n';
const text = textOf(lines);
const started = performance.now();
const first = parseCubefile(text, { path: 'Cubefile' });
const firstMs = performance.now() - started;
if (!first.spec) throw new Error(`bench input does not parse: ${first.diagnostics[0]?.message}`);
/** Median milliseconds of `runs` parses of `input`. */
function median(input) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    parseCubefile(input, { path: 'Cubefile' });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
const full = median(text);
const quarter = median(textOf(Math.floor(lines / 4)));
console.log(`| input | first parse ms | median ms (${runs} runs) |`);
console.log('|---|---:|---:|');
console.log(`| ${lines}-line Cubefile (${(text.length / 1024).toFixed(0)} KiB) | ${firstMs.toFixed(1)} | ${full.toFixed(1)} |`);
console.log(`| ${Math.floor(lines / 4)}-line Cubefile | — | ${quarter.toFixed(1)} |`);
console.log(`\ngrowth for 4× the input: ${(full / quarter).toFixed(1)}× (linear ≈ 4×, quadratic ≈ 16×)`);
