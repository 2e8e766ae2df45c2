#!/usr/bin/env node
/**
 * Times `cube build` against the obvious alternative, in one run, on the benchmark image
 * (`bench/.work/oci:bench`, ~300 MB in ~11,000 entries over five gzip layers):
 *
 *   baseline  umoci unpack --rootless (layers → host directory) + mke2fs -t ext4 -d (directory → image)
 *   cold      cube build with an empty cache (flatten + envd + seal, straight from the layer tars)
 *   warm      cube build again (rootfs cache hit; launch manifest recomputed)
 *   cmd       cube build after a CMD-only change (rootfs reused, launch.json rewritten)
 *   envd      cube build after envd's bytes changed (from the flattened base: no layer read)
 *   copy      cube build after the one file a COPY adds changed (likewise)
 *   gunzip    `gzip -dc` of every layer, one after the other on one core: the floor of a cold build
 *   cp        `cp` of the sealed image: what an incremental build must write at least where the
 *             filesystem has no reflinks (ext4)
 *   node      `node -e 0`: the floor of a no-change rebuild
 *
 * Prints a Markdown table with seconds, peak RSS and ratios to the baseline, to the cold build,
 * to gunzip and to `node -e 0`. Needs `npm run build` (uses dist/) and umoci on PATH.
 * Usage: node bench/build.js [--runs N]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BENCH_LAYOUT, makeBenchImage } from './make-bench-image.js';

const here = dirname(new URL(import.meta.url).pathname);
const root = join(here, '..');
const work = join(here, '.work', 'build');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;

/** Runs a command under /usr/bin/time -v; returns wall seconds and peak RSS in MiB. */
function timed(cmd, argv, env = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${result.stderr}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label, setup, run) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    setup();
    samples.push(run());
  }
  return { label, seconds: median(samples.map((s) => s.seconds)), rss: Math.max(...samples.map((s) => s.rss)) };
}

await makeBenchImage();
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
if (!existsSync(join(root, 'examples', 'images', 'envd'))) execFileSync('node', [join(root, 'examples', 'images', 'make-images.js')]);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const envd = join(work, 'envd');
copyFileSync(join(root, 'examples', 'images', 'envd'), envd);
const cubefile = (cmd) => `FROM oci-layout:../oci:bench\nINJECT envd\nCOPY app.txt /opt/app/app.txt\nCMD ${cmd}\nENTRYPOINT wrap\nSEAL ext4\n`;
writeFileSync(join(work, 'Cubefile'), cubefile('["/bin/sh"]'));
writeFileSync(join(work, 'app.txt'), 'version 0\n');
const cube = ['bin/cube.js', 'build', '-f', join(work, 'Cubefile'), '--envd-path', envd, '--out', join(work, 'out'), '--log-format', 'json'];
const cacheEnv = { CUBE_CACHE_DIR: join(work, 'cache') };
const cubeRun = () => timed('node', cube.map((a) => (a === 'bin/cube.js' ? join(root, a) : a)), cacheEnv);

const baseline = measure(
  'umoci unpack + mke2fs -d',
  () => rmSync(join(work, 'bundle'), { recursive: true, force: true }),
  () => {
    const unpack = timed('umoci', ['unpack', '--rootless', '--image', `${BENCH_LAYOUT}:bench`, join(work, 'bundle')]);
    rmSync(join(work, 'baseline.ext4'), { force: true });
    const mkfs = timed('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', join(work, 'bundle', 'rootfs'), join(work, 'baseline.ext4'), '400M']);
    return { seconds: unpack.seconds + mkfs.seconds, rss: Math.max(unpack.rss, mkfs.rss) };
  },
);
const cold = measure('cube build, cold cache', () => rmSync(join(work, 'cache'), { recursive: true, force: true }), cubeRun);
const warm = measure('cube build, warm cache (no change)', () => {}, cubeRun);
let flip = 0;
const cmdChange = measure('cube build, CMD changed only', () => writeFileSync(join(work, 'Cubefile'), cubefile(`["/bin/sh", "-c", "exit ${flip++}"]`)), cubeRun);
const envdChange = measure('cube build, envd bytes changed', () => appendFileSync(envd, '\0'), cubeRun);
const copyChange = measure('cube build, one COPY file changed', () => writeFileSync(join(work, 'app.txt'), `version ${flip++}\n`), cubeRun);
const layers = layerBlobs();
const gunzip = measure('gzip -dc of every layer, one core', () => {}, () => timed('sh', ['-c', 'for f in "$@"; do gzip -dc "$f"; done >/dev/null', 'sh', ...layers]));
const node = measure('node -e 0', () => {}, () => timed('node', ['-e', '0']));
const cp = measure('cp of the sealed image', () => rmSync(join(work, 'copy.img'), { force: true }), () => timed('cp', [join(work, 'out', 'rootfs.ext4'), join(work, 'copy.img')]));

/** The benchmark image's layer blobs, oldest first. */
function layerBlobs() {
  const layout = BENCH_LAYOUT;
  const blob = (digest) => join(layout, 'blobs', ...digest.split(':'));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((layer) => blob(layer.digest));
}

const rows = [baseline, cold, warm, cmdChange, envdChange, copyChange, gunzip, node, cp];
const ratio = (a, b) => `${(a.seconds / b.seconds).toFixed(2)}×`;
console.log(`| run (${runs} runs, median) | seconds | peak RSS (MiB) | vs baseline | vs cold | vs gunzip | vs node -e 0 |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(2)} | ${r.rss.toFixed(0)} | ${ratio(r, baseline)} | ${ratio(r, cold)} | ${ratio(r, gunzip)} | ${ratio(r, node)} |`);
