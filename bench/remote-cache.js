#!/usr/bin/env node
/**
 * A remote-cache hit against a cold build and against `skopeo copy` of an equivalent blob, on the
 * benchmark image (`bench/.work/oci:bench`, ~300 MB in ~11,000 entries), with a docker-registry on
 * 127.0.0.1. One build exports the sealed rootfs (`--cache-to`); then, each with an empty cache:
 *
 *   cold     cube build (pull the base image's layers from the registry, flatten, bake envd in, seal)
 *   remote   cube build --cache-from (fetch the chunks, verify, place; no base layer is read)
 *   skopeo   skopeo copy docker:// → oci: of rootfs.ext4 pushed as one zstd blob (level 3, as cube)
 *
 * Prints a Markdown table (median seconds, peak RSS). Needs `npm run build`, docker-registry,
 * skopeo and zstd. Usage: node bench/remote-cache.js [--runs N] [--serve]
 * With --serve it prepares everything, prints the three commands and keeps the registry up until
 * Ctrl-C, so another timer can run them.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { BENCH_LAYOUT, makeBenchImage } from './make-bench-image.js';

const here = dirname(new URL(import.meta.url).pathname);
const root = join(here, '..');
const work = join(here, '.work', 'remote-cache');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;

/** Runs a command under /usr/bin/time -v; returns wall seconds and peak RSS in MiB. */
function timed(argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-v', ...argv], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${result.stderr}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const digestOf = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pushBlob(host, repo, bytes) {
  const digest = digestOf(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const url = new URL(start.headers.get('location'), `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
  return { digest, size: bytes.length };
}

/** rootfs.ext4 as a one-layer OCI image, its layer one zstd blob: what skopeo copies. */
async function pushImageBlob(host, rootfs) {
  const layer = execFileSync('zstd', ['-3', '-q', '-c', '-T0', rootfs], { maxBuffer: 1 << 30 });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(readFileSync(rootfs))] } }));
  const layerDescriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', ...(await pushBlob(host, 'rootfs-blob', layer)) };
  const configDescriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await pushBlob(host, 'rootfs-blob', config)) };
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: [layerDescriptor] };
  const put = await fetch(`http://${host}/v2/rootfs-blob/manifests/latest`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': manifest.mediaType } });
  if (put.status !== 201) throw new Error(`manifest: HTTP ${put.status}`);
}

await makeBenchImage();
if (!existsSync(join(root, 'dist', 'cli', 'bundle.js'))) throw new Error('run `npm run build` first');
if (!existsSync(join(root, 'examples', 'images', 'envd'))) execFileSync('node', [join(root, 'examples', 'images', 'make-images.js')]);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const envd = join(work, 'envd');
copyFileSync(join(root, 'examples', 'images', 'envd'), envd);

const port = await new Promise((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => {
    const p = server.address().port;
    server.close(() => resolve(p));
  });
});
writeFileSync(join(work, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
const registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
const host = `127.0.0.1:${port}`;
try {
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // The base image comes from the registry, as in CI: a cold build pulls its layers first.
  const push = spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${BENCH_LAYOUT}:bench`, `docker://${host}/bench:v1`], { stdio: 'inherit' });
  if (push.status !== 0) throw new Error('skopeo could not push the benchmark image');
  writeFileSync(join(work, 'Cubefile'), `FROM ${host}/bench:v1\nINJECT envd\nCMD ["/bin/sh"]\nENTRYPOINT wrap\nSEAL ext4\n`);
  const build = (cache, extra) => ['sh', '-c', `rm -rf ${cache} && exec node ${join(root, 'bin', 'cube.js')} build -f ${join(work, 'Cubefile')} --envd-path ${envd} --out ${join(work, 'out')} --cache-dir ${cache} -q ${extra}`];
  const commands = {
    cold: build(join(work, 'cache-cold'), ''),
    remote: build(join(work, 'cache-remote'), `--cache-from ${host}/bench-cache`),
    skopeo: ['sh', '-c', `rm -rf ${join(work, 'skopeo')} && exec skopeo copy --quiet --src-tls-verify=false docker://${host}/rootfs-blob:latest oci:${join(work, 'skopeo')}:latest`],
  };
  timed(build(join(work, 'cache-export'), `--cache-to ${host}/bench-cache`));
  await pushImageBlob(host, join(work, 'out', 'rootfs.ext4'));
  if (args.includes('--serve')) {
    for (const [name, argv] of Object.entries(commands)) console.log(`${name}: ${argv.slice(0, 2).join(' ')} '${argv[2]}'`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  } else {
    const rows = Object.entries(commands).map(([name, argv]) => {
      const samples = Array.from({ length: runs }, () => timed(argv));
      return { name, seconds: median(samples.map((s) => s.seconds)), rss: Math.max(...samples.map((s) => s.rss)) };
    });
    const remote = rows.find((r) => r.name === 'remote').seconds;
    console.log(`| ${runs} runs, median | seconds | peak RSS MiB | remote hit vs this |`);
    console.log('|---|---:|---:|---:|');
    for (const row of rows) console.log(`| ${row.name} | ${row.seconds.toFixed(2)} | ${row.rss.toFixed(0)} | ${(remote / row.seconds).toFixed(2)}× |`);
  }
} finally {
  registry.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
