/**
 * `cube inspect` on a real build output: the totals agree with what debugfs lists, each origin's
 * share is the bytes its layer or step put there (and all of them, the filesystem's metadata
 * included, add up to the used blocks dumpe2fs reports), the tables are cut by --top and
 * --depth, names that are not UTF-8 print escaped, and every way the input can be wrong is a
 * diagnostic with its exit code.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest, shortDigest } from '../../src/core/digest.js';
import type { Digest } from '../../src/core/digest.js';
import type { InspectReport } from '../../src/inspect/index.js';
import type { Plan } from '../../src/planner/index.js';
import { debugfs } from '../helpers/ext4.js';
import { SIZES, useInspectProject } from '../helpers/inspect-project.js';
import type { InspectProject } from '../helpers/inspect-project.js';

const built = useInspectProject({ built: true });
let project: InspectProject;
let plan: Plan;

beforeAll(async () => {
  project = built();
  plan = JSON.parse(await readFile(join(project.out, 'plan.json'), 'utf8')) as Plan;
});

const inspect = (...args: string[]) => project.inspect(...args);

async function json(...args: string[]): Promise<InspectReport> {
  const run = await inspect('--format', 'json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as InspectReport;
}

/** Every path of an image with its inode, type letter and size, as `debugfs ls -p` lists them. */
async function debugfsTree(image: string): Promise<{ path: string; ino: number; type: string; size: number }[]> {
  const out: { path: string; ino: number; type: string; size: number }[] = [];
  const queue = ['/'];
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    for (const line of (await debugfs(image, `ls -p "${dir}"`)).split('\n')) {
      const [, ino, mode, , , name, size] = line.split('/');
      if (name === undefined || name === '.' || name === '..' || name === '') continue;
      const path = `${dir === '/' ? '' : dir}/${name}`;
      const type = { '04': 'd', '10': 'f', '12': 'l' }[(mode ?? '').padStart(6, '0').slice(0, 2)] ?? 'o';
      out.push({ path, ino: Number(ino), type, size: Number(size) });
      if (type === 'd') queue.push(path);
    }
  }
  return out;
}

describe('cube inspect', () => {
  it('counts what debugfs lists, and every byte of the used blocks has an origin', async () => {
    const report = await json('out');
    const image = join(project.out, 'rootfs.ext4');
    const listed = await debugfsTree(image);
    const inodes = new Map(listed.map((e) => [e.ino, e]));
    const count = (type: string) => [...inodes.values()].filter((e) => e.type === type).length;
    expect(report.totals).toMatchObject({ files: count('f'), directories: count('d') + 1, symlinks: count('l'), hardLinks: listed.length - inodes.size });
    expect(report.totals.size).toBe([...inodes.values()].filter((e) => e.type === 'f').reduce((n, e) => n + e.size, 0));
    const dump = (await execa('dumpe2fs', ['-h', image])).stdout;
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(dump)?.[1]);
    expect(report.image).toMatchObject({ blocks: field('Block count'), usedBlocks: field('Block count') - field('Free blocks'), blockSize: 4096 });
    expect(report.origins.reduce((n, o) => n + o.allocated, 0)).toBe(report.image.usedBlocks * report.image.blockSize);
    const manifest = JSON.parse(await readFile(join(project.out, 'launch.json'), 'utf8')) as { artifact: { sha256: string } };
    expect(report.image.sha256).toBe(manifest.artifact.sha256);
  });

  it('gives each layer, envd and build step the bytes it put in the image, with its line', async () => {
    const report = await json('out');
    const layers = plan.nodes.filter((n) => n.kind === 'layer').map((n) => (n.params as { digest: Digest }).digest);
    const rows = report.origins.map((o) => ({ kind: o.kind, label: o.label, location: o.location, size: o.size }));
    expect(rows).toEqual([
      // /bin/sh, /etc/passwd and /etc/group, the readme; the second layer replaced libbig.so.
      { kind: 'layer', label: `layer 1/2 ${shortDigest(layers[0] as Digest)}`, location: 'Cubefile:1:1', size: 2 + 30 + 10 + SIZES['/usr/share/doc/readme'] },
      // libbig.so and the tool, whose hard link counts once.
      { kind: 'layer', label: `layer 2/2 ${shortDigest(layers[1] as Digest)}`, location: 'Cubefile:1:1', size: SIZES['/usr/lib/libbig.so'] + SIZES['/opt/tool/bin/tool'] },
      { kind: 'envd', label: 'INJECT envd PATH envd', location: 'Cubefile:2:1', size: expect.any(Number) },
      { kind: 'step', label: 'COPY app/ /srv/app/', location: 'Cubefile:3:1', size: SIZES['/srv/app/main.py'] + SIZES['/srv/app/static/big.js'] },
      { kind: 'step', label: 'WORKDIR /srv/app', location: 'Cubefile:4:1', size: 0 },
      { kind: 'step', label: 'COPY data.bin /data/', location: 'Cubefile:5:1', size: SIZES['/data/data.bin'] },
      { kind: 'filesystem', label: 'filesystem (metadata, journal, lost+found)', location: undefined, size: 0 },
    ]);
    const envd = await readFile(join(project.dir, 'envd'));
    expect(report.origins[2]?.size).toBeGreaterThan(envd.length);
    expect(report.origins[0]?.digest).toBe(layers[0]);
  });

  it('ranks directories down to --depth and files by the space they take, cut at --top', async () => {
    const report = await json('out', '--top', '3', '--depth', '1');
    expect(report.directories.map((d) => d.path)).toEqual(['/usr', '/srv', '/data']);
    // /srv/app, its two files and static/ below /srv, which the COPY made too.
    expect(report.directories[1]).toMatchObject({ entries: 4, size: SIZES['/srv/app/main.py'] + SIZES['/srv/app/static/big.js'] });
    expect(report.largest.map((f) => [f.path, f.size, report.origins[f.origin]?.label.split(' ')[0]])).toEqual([
      ['/usr/lib/libbig.so', SIZES['/usr/lib/libbig.so'], 'layer'],
      ['/srv/app/static/big.js', SIZES['/srv/app/static/big.js'], 'COPY'],
      ['/data/data.bin', SIZES['/data/data.bin'], 'COPY'],
    ]);
    const deeper = await json('out', '--depth', '3');
    expect(deeper.directories.map((d) => d.path)).toContain('/opt/tool/bin');
    expect(Math.max(...deeper.directories.map((d) => d.depth))).toBe(3);
  });

  it('prints the same as text, each origin with its line', async () => {
    const run = await inspect('out', '--top', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^out\/rootfs\.ext4 {2}[0-9a-f]{12}\n/);
    // /srv, /srv/app, static/ and the two files.
    expect(run.stdout).toMatch(/^ {2}COPY app\/ \/srv\/app\/ +Cubefile:3:1 +5 +118\.2 KiB +\d+\.\d KiB$/m);
    expect(run.stdout).toMatch(/^Largest files\n {2}file +size +allocated +origin\n {2}\/usr\/lib\/libbig\.so +293\.0 KiB +29\d\.\d KiB +layer 2\/2 [0-9a-f]{12}\n {2}\/srv\/app\/static\/big\.js /m);
  });

  it('without origins.json, warns and lists every path as of unknown origin', async () => {
    const copy = join(project.dir, 'no-origins');
    await mkdir(copy, { recursive: true });
    for (const name of ['rootfs.ext4', 'launch.json', 'plan.json']) await writeFile(join(copy, name), await readFile(join(project.out, name)));
    const run = await inspect('no-origins', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning CUBE4008: no-origins/origins.json is missing or not valid');
    const report = JSON.parse(run.stdout) as InspectReport;
    expect(report.origins.map((o) => o.kind)).toEqual(['unknown', 'filesystem']);
    expect(report.origins[0]?.entries).toBe(report.totals.files + report.totals.directories + report.totals.symlinks + report.totals.other + report.totals.hardLinks);
  });
});

describe('cube inspect refuses', () => {
  it.each([
    ['a directory that does not exist', ['missing'], 1, 'CUBE4001', 'missing does not exist'],
    ['a directory that is not a build output', ['.'], 1, 'CUBE4001', 'launch.json cannot be read'],
    ['a file that is not ext4', ['Cubefile'], 1, 'CUBE4007', 'not an ext4 image'],
    ['a bad --top', ['out', '--top', '0'], 2, 'CUBE0001', '--top needs a whole number'],
    ['an unknown --format', ['out', '--format', 'xml'], 2, 'CUBE0001', '--format must be human or json'],
    ['an --html file that cannot be written', ['out', '--html', 'Cubefile/page.html'], 3, 'CUBE0004', 'cannot write'],
  ])('%s', async (_name, args, code, diagnostic, message) => {
    const run = await inspect(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(diagnostic);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('hint:');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('an image changed after the build, and one damaged in a way launch.json was made to agree with', async () => {
    const copy = join(project.dir, 'damaged');
    await mkdir(copy, { recursive: true });
    const image = await readFile(join(project.out, 'rootfs.ext4'));
    const launch = JSON.parse(await readFile(join(project.out, 'launch.json'), 'utf8')) as { artifact: { sha256: string } };
    await writeFile(join(copy, 'plan.json'), await readFile(join(project.out, 'plan.json')));
    await writeFile(join(copy, 'launch.json'), JSON.stringify(launch));
    // The superblock's magic number, zeroed.
    image.fill(0, 1024 + 0x38, 1024 + 0x3a);
    await writeFile(join(copy, 'rootfs.ext4'), image);
    const changed = await inspect('damaged');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('CUBE4003');
    launch.artifact.sha256 = sha256Digest(image);
    await writeFile(join(copy, 'launch.json'), JSON.stringify(launch));
    const damaged = await inspect('damaged');
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('error CUBE4007');
    expect(damaged.stderr).toContain('hint: check the image with `e2fsck -fn`');
  });
});

describe('cube inspect IMAGE', () => {
  it('reads an ext4 image alone, and prints names that are not UTF-8 escaped', async () => {
    const tree = join(project.dir, 'tree');
    await mkdir(join(tree, 'docs'), { recursive: true });
    await writeFile(Buffer.concat([Buffer.from(join(tree, 'docs') + '/'), Buffer.from('r\xe9sum\xe9.txt', 'latin1')]), Buffer.alloc(70_000, 1));
    await execa('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, join(project.dir, 'plain.ext4'), '8M']);
    const text = await inspect('plain.ext4');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}\/docs\/r\\xe9sum\\xe9\.txt +68\.4 KiB /m);
    const report = await json('plain.ext4');
    expect(report.largest[0]?.path).toBe('/docs/r\\xe9sum\\xe9.txt');
    expect(report.origins.map((o) => o.kind)).toEqual(['unknown', 'filesystem']);
    expect(report.image.sha256).toBeUndefined();
  });
});
