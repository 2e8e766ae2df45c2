#!/usr/bin/env node
/**
 * Pull throughput from a local registry: the benchmark image (`bench/.work/oci:bench`, five gzip
 * layers, ~84 MB) is pushed into a docker-registry on 127.0.0.1, then pulled cold by cube (into
 * an empty blob store) and by `skopeo copy … oci:DIR`, in the same run. Needs `npm run build`,
 * docker-registry and skopeo. Usage: node bench/pull.js [--runs N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageSources } from '../dist/executor/image/index.js';
import { BENCH_LAYOUT, makeBenchImage } from './make-bench-image.js';

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const work = mkdtempSync(join(tmpdir(), 'cube-bench-pull-'));

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
writeFileSync(join(work, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
const registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
const host = `127.0.0.1:${port}`;
try {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  await makeBenchImage();
  const push = spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${BENCH_LAYOUT}:bench`, `docker://${host}/bench:latest`], { stdio: 'inherit' });
  if (push.status !== 0) throw new Error('push failed');
  const manifest = JSON.parse(readFileSync(join(BENCH_LAYOUT, 'index.json'), 'utf8'));
  void manifest;
  const cube = async () => {
    const cacheDir = mkdtempSync(join(work, 'cube-'));
    const start = performance.now();
    const sources = createImageSources({ cacheDir });
    const image = await sources.resolver.resolve({ transport: 'registry', registry: host, repository: 'bench', tag: 'latest' }, { contextDir: work });
    await sources.layers.prefetch(image);
    const seconds = (performance.now() - start) / 1000;
    rmSync(cacheDir, { recursive: true, force: true });
    return seconds;
  };
  const skopeo = () => {
    const dest = join(work, `skopeo-${Math.random().toString(36).slice(2)}`);
    const start = performance.now();
    const r = spawnSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${host}/bench:latest`, `oci:${dest}:bench`]);
    if (r.status !== 0) throw new Error(`skopeo failed: ${r.stderr}`);
    const seconds = (performance.now() - start) / 1000;
    rmSync(dest, { recursive: true, force: true });
    return seconds;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const c = [];
  const s = [];
  for (let i = 0; i < runs; i++) {
    c.push(await cube());
    s.push(skopeo());
  }
  const size = Number(spawnSync('du', ['-sb', join(work, 'storage')], { encoding: 'utf8' }).stdout.split('\t')[0]);
  console.log(`image: ${(size / 1e6).toFixed(0)} MB in the registry\n`);
  console.log(`| cold pull (${runs} runs, median) | seconds | MB/s | time vs skopeo |`);
  console.log('|---|---:|---:|---:|');
  console.log(`| skopeo copy docker:// → oci: | ${median(s).toFixed(2)} | ${(size / 1e6 / median(s)).toFixed(0)} | 1.00× |`);
  console.log(`| cube (resolve + fetch all layers) | ${median(c).toFixed(2)} | ${(size / 1e6 / median(c)).toFixed(0)} | ${(median(c) / median(s)).toFixed(2)}× |`);
} finally {
  registry.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
