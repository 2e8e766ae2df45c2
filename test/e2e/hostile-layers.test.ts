/**
 * Hostile images through the installed command, each in its own process whose peak resident
 * memory (its own `maxRSS`, reported as it exits) must stay under 256 MiB: compression bombs
 * (gzip and zstd), a path 10,000 directories deep, more entries than the limit, 20,000 whiteouts
 * after 20,000 files, and `docker-archive:/dev/zero`. Each is refused with its diagnostic and exit
 * code, never a crash, or (the whiteouts) builds an image e2fsck accepts. With CUBE_TEST_SHOW_RSS
 * set, each run's peak is printed (the figures in BENCHMARKS.md).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../helpers/cli-process.js';
import { expectClean } from '../helpers/ext4.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';
import type { TestLayer } from '../helpers/oci-layout.js';
import { paxRecord, rawTar } from '../helpers/raw-tar.js';

const MiB = 1024 * 1024;
const RSS_LIMIT = 256 * MiB;
let work: string;
let bin: string;
let preload: string;
const images: { name: string; layers: TestLayer[] }[] = [];

/** A tar member header declaring `size` bytes, as the start of a bomb. */
function declaring(size: number): Buffer {
  const tar = rawTar([{ name: 'big', content: Buffer.alloc(1) }]);
  // The same header with the size field rewritten (octal, 11 digits) and its checksum redone.
  const h = Buffer.from(tar.subarray(0, 512));
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** A zstd frame holding `data` (at most 128 KiB) as one raw block. */
function zstdRaw(data: Buffer): Buffer {
  const word = (data.length << 3) | 1;
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff]), data]);
}

/** A zstd frame of `blocks` run-length blocks of 128 KiB of zeros: 4 bytes per 128 KiB. */
function zstdZeros(blocks: number): Buffer {
  const block = (last: boolean): Buffer => {
    const word = ((128 * 1024) << 3) | 2 | (last ? 1 : 0);
    return Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0]);
  };
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), ...Array.from({ length: blocks }, (_, i) => block(i === blocks - 1))]);
}

const shell = rawTar([{ name: 'bin/sh', content: Buffer.from('#!sh'), mode: 0o755 }]);
const ended = rawTar([{ name: 'f', content: Buffer.from('x') }]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-hostile-'));
  bin = await bundleCli(work);
  preload = join(work, 'rss.mjs');
  await writeFile(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.CUBE_TEST_RSS, String(process.resourceUsage().maxRSS * 1024)));\n");
  const zeros64 = gzipSync(Buffer.alloc(64 * MiB));
  const files = Array.from({ length: 20_000 }, (_, i) => ({ name: `d${i % 100}/f${i}`, content: Buffer.alloc(0) }));
  images.push(
    // 2 GiB declared by one member: refused at its header, with the default limits.
    { name: 'gzip-declared', layers: [{ tar: shell, stored: Buffer.concat([gzipSync(declaring(2 * 1024 * MiB)), zeros64]) }] },
    // Zeros after the end of the archive, past --max-layer-bytes: counted as they are decompressed.
    { name: 'gzip-trailing', layers: [{ tar: shell, stored: Buffer.concat([gzipSync(ended), zeros64, zeros64, zeros64]) }] },
    { name: 'zstd-declared', layers: [{ tar: shell, compression: 'zstd', stored: Buffer.concat([zstdRaw(declaring(2 * 1024 * MiB)), zstdZeros(16_384)]) }] },
    { name: 'zstd-trailing', layers: [{ tar: shell, compression: 'zstd', stored: Buffer.concat([zstdRaw(ended), zstdZeros(16_384)]) }] },
    { name: 'deep', layers: [{ tar: rawTar([{ name: 'x', pax: [paxRecord('path', Buffer.from(`${'d/'.repeat(9_999)}f`))] }]) }] },
    { name: 'entries', layers: [{ tar: rawTar(Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}` }))) }] },
    {
      name: 'whiteouts',
      layers: [{ tar: Buffer.concat([shell.subarray(0, shell.length - 1024), rawTar(files)]) }, { tar: rawTar(files.filter((_, i) => i % 2 === 0).map((f) => ({ name: f.name.replace('/f', '/.wh.f') }))) }],
    },
  );
  const layout = join(work, 'layout');
  const manifests = [];
  for (const image of images) manifests.push({ ...(await putImage(layout, image.layers, { Cmd: ['/bin/sh'] })), ...tagged(image.name) });
  await putIndex(layout, manifests);
}, 300_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Builds `FROM from` in its own process; its exit code, stderr and peak RSS. */
async function build(name: string, from: string, extra: readonly string[] = []): Promise<{ code: number; stderr: string; rss: number }> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Cubefile'), `FROM ${from}\nCMD ["/bin/sh"]\n`);
  const rssFile = join(dir, 'rss');
  const result = await execa('node', [bin, 'build', '--cache-dir', join(work, 'cache'), '--out', join(dir, 'out'), ...extra], {
    cwd: dir,
    reject: false,
    env: { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`, CUBE_TEST_RSS: rssFile },
  });
  const rss = Number(await readFile(rssFile, 'utf8'));
  if (process.env.CUBE_TEST_SHOW_RSS) process.stderr.write(`${name}: peak RSS ${(rss / MiB).toFixed(0)} MiB\n`);
  return { code: result.exitCode ?? -1, stderr: result.stderr, rss };
}

describe('hostile images', () => {
  it.each([
    ['gzip-declared', [], 1, /CUBE3217: layer sha256:\w+ expands to more than \d+ bytes \(1\.0 GiB: 64 times its compressed/],
    ['gzip-trailing', ['--max-layer-bytes', '100MiB'], 1, /CUBE3217: layer sha256:\w+ expands to more than 104857600 bytes \(100\.0 MiB: the limit --max-layer-bytes sets\)/],
    ['zstd-declared', [], 1, /CUBE3217: .* \(1\.0 GiB: 64 times its compressed/],
    ['zstd-trailing', ['--max-layer-bytes', '256MiB'], 1, /CUBE3217: .*256\.0 MiB: the limit --max-layer-bytes sets/],
    ['deep', [], 1, /CUBE3219: layer sha256:\w+: entry "(d\/){100}.*" is more than 256 directories deep \(the limit; raise it with --max-path-depth\)/],
    ['entries', ['--max-entries', '1000'], 1, /CUBE3216: .*the layers hold more than 1000 entries \(the limit; raise it with --max-entries\)/],
  ] as const)('%s is refused naming its limit, in bounded memory', async (name, extra, code, message) => {
    const run = await build(name, `oci-layout:../layout:${name}`, extra);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(code);
    expect(run.rss).toBeLessThan(RSS_LIMIT);
  }, 300_000);

  it('20,000 whiteouts after 20,000 files build an image e2fsck accepts, in bounded memory', async () => {
    const run = await build('whiteouts', 'oci-layout:../layout:whiteouts');
    expect(run.code, run.stderr).toBe(0);
    expect(run.rss).toBeLessThan(RSS_LIMIT);
    await expectClean(join(work, 'whiteouts', 'out', 'rootfs.ext4'));
    const listed = (await execa('debugfs', ['-R', 'ls -p /d1', join(work, 'whiteouts', 'out', 'rootfs.ext4')])).stdout;
    expect(listed.match(/\/f\d+\//g)).toHaveLength(200);
  }, 300_000);

  it('docker-archive:/dev/zero is refused at once (by the checks cube build runs first, so as an input error)', async () => {
    const run = await build('dev-zero', 'docker-archive:/dev/zero');
    expect(run.stderr).toContain('CUBE3108: docker-archive:/dev/zero: /dev/zero is not a regular file');
    expect(run.code).toBe(1);
    expect(run.rss).toBeLessThan(RSS_LIMIT);
  }, 60_000);

  it('a limit that is not a size or a count is a usage error', async () => {
    expect((await build('usage-size', 'oci-layout:../layout:deep', ['--max-layer-bytes', 'lots'])).code).toBe(2);
    expect((await build('usage-count', 'oci-layout:../layout:deep', ['--max-entries', '0'])).code).toBe(2);
  }, 60_000);
});
