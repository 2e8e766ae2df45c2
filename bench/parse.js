#!/usr/bin/env node
/**
 * Parsing cost after start-up: a 5,000-line Cubefile (the examples' instructions repeated, with
 * continuations and comments) parsed in-process; median of repeated runs after a warm-up.
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
const text = out.slice(0, lines).join('\n') + '\n';
const started = performance.now();
const first = parseCubefile(text, { path: 'Cubefile' });
const firstMs = performance.now() - started;
if (!first.spec) throw new Error(`bench input does not parse: ${first.diagnostics[0]?.message}`);
const times = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  parseCubefile(text, { path: 'Cubefile' });
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`| input | first parse ms | median ms (${runs} runs) |`);
console.log('|---|---:|---:|');
console.log(`| ${lines}-line Cubefile (${(text.length / 1024).toFixed(0)} KiB) | ${firstMs.toFixed(1)} | ${times[Math.floor(times.length / 2)].toFixed(1)} |`);
