#!/usr/bin/env node
/**
 * The ext4 writer against `mke2fs -t ext4 -d` on the same tree, in one run: the benchmark image
 * (`bench/.work/oci:bench`, ~300 MB, ~11,000 entries) is unpacked once with umoci, then each
 * tool writes that directory into an image. Reports median wall time and peak RSS.
 * Needs `npm run build` and umoci. Usage: node bench/ext4.js [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeBenchImage, BENCH_LAYOUT } from './make-bench-image.js';

const here = dirname(new URL(import.meta.url).pathname);
const work = join(here, '.work', 'ext4');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;

function timed(cmd, argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} failed:\n${result.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, rss: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024 };
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

await makeBenchImage();
const tree = join(work, 'bundle', 'rootfs');
if (!existsSync(tree)) {
  rmSync(join(work, 'bundle'), { recursive: true, force: true });
  const unpack = spawnSync('umoci', ['unpack', '--rootless', '--image', `${BENCH_LAYOUT}:bench`, join(work, 'bundle')], { stdio: 'inherit' });
  if (unpack.status !== 0) throw new Error('umoci unpack failed');
}
const du = spawnSync('du', ['-sb', tree], { encoding: 'utf8' }).stdout.split('\t')[0];
const rows = [];
for (const [label, run] of [
  ['mke2fs -t ext4 -d', () => timed('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, join(work, 'mke2fs.ext4'), '400M'])],
  ['cube ext4 writer', () => timed('node', [join(here, 'ext4-feed.js'), tree, join(work, 'cube.ext4')])],
]) {
  const samples = Array.from({ length: runs }, () => run());
  rows.push({ label, seconds: median(samples.map((s) => s.seconds)), rss: Math.max(...samples.map((s) => s.rss)) });
}
const fsck = spawnSync('e2fsck', ['-fn', join(work, 'cube.ext4')], { encoding: 'utf8' });
console.log(`tree: ${(Number(du) / 1e6).toFixed(0)} MB; cube image e2fsck -fn: ${fsck.status === 0 ? 'clean' : 'PROBLEMS'}\n`);
console.log(`| writer (${runs} runs, median) | seconds | peak RSS (MiB) | time vs mke2fs |`);
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(2)} | ${r.rss.toFixed(0)} | ${(r.seconds / (rows[0]?.seconds ?? 1)).toFixed(2)}× |`);
