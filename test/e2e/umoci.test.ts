/**
 * The built rootfs equals what `umoci unpack` makes of the same image, plus exactly the files the
 * build added (envd, a COPY, lost+found). Both trees are read by the kernel: umoci's on disk,
 * cube's through a read-only loop mount. Needs root (umoci keeps owners, mount).
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXEC_AS_PATH, execAsBinary } from '../../src/core/exec-as/index.js';
import { hostPlatform } from '../../src/core/platform.js';
import { exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

const isRoot = process.getuid?.() === 0;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-umoci-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

type Node = Record<string, string | number>;

async function walk(root: string): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  const visit = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const inside = `${prefix}/${name}`;
      const s = await lstat(path, { bigint: true });
      const node: Node = { mode: Number(s.mode), uid: Number(s.uid), gid: Number(s.gid) };
      if (s.isDirectory()) {
        out.set(inside, { ...node, type: 'dir' });
        await visit(path, inside);
        continue;
      }
      node.mtime = String(s.mtimeNs);
      if (s.isSymbolicLink()) out.set(inside, { ...node, type: 'symlink', target: await readlink(path) });
      else if (s.isFile()) out.set(inside, { ...node, type: 'file', size: Number(s.size), sha: createHash('sha256').update(await readFile(path)).digest('hex') });
      else out.set(inside, { ...node, type: 'other', rdev: Number(s.rdev) });
    }
  };
  await visit(root, '');
  return out;
}

describe('the built rootfs against umoci unpack', () => {
  it.runIf(isRoot)('has the same tree as umoci unpack plus exactly the injected and copied files (needs root)', async () => {
    const bundle = join(work, 'bundle');
    await execa('umoci', ['unpack', '--image', `${exampleLayout}:python`, bundle]);
    const project = join(work, 'project');
    await mkdir(project);
    await writeFile(join(project, 'app.txt'), 'copied\n');
    await writeFile(join(project, 'Cubefile'), `FROM oci-layout:${exampleLayout}:python\nINJECT envd TO /opt/envd\nCOPY --chmod=0640 app.txt /srv/app.txt\nCMD ["python3"]\nENTRYPOINT wrap\n`);
    const run = await runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', join(work, 'cache'), '--out', 'out'], { cwd: project, env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(run.code, run.stderr).toBe(0);
    const mnt = join(work, 'mnt');
    await mkdir(mnt);
    await execa('mount', ['-o', 'loop,ro', join(project, 'out', 'rootfs.ext4'), mnt]);
    let built: Map<string, Node>;
    try {
      built = await walk(mnt);
    } finally {
      await execa('umount', [mnt]);
    }
    const expected = await walk(join(bundle, 'rootfs'));
    const envd = await readFile(exampleEnvd);
    const epoch = String(1_700_000_000n * 1_000_000_000n);
    expected.set('/opt', { mode: 0o40755, uid: 0, gid: 0, type: 'dir' });
    expected.set('/opt/envd', { mode: 0o100755, uid: 0, gid: 0, mtime: epoch, type: 'file', size: envd.length, sha: createHash('sha256').update(envd).digest('hex') });
    const execAs = execAsBinary(hostPlatform().architecture) as Buffer;
    for (const dir of ['/usr/libexec', '/usr/libexec/cube']) if (!expected.has(dir)) expected.set(dir, { mode: 0o40755, uid: 0, gid: 0, type: 'dir' });
    expected.set(EXEC_AS_PATH, { mode: 0o100755, uid: 0, gid: 0, mtime: epoch, type: 'file', size: execAs.length, sha: createHash('sha256').update(execAs).digest('hex') });
    expected.set('/srv', { mode: 0o40755, uid: 0, gid: 0, type: 'dir' });
    expected.set('/srv/app.txt', { mode: 0o100640, uid: 0, gid: 0, mtime: epoch, type: 'file', size: 7, sha: createHash('sha256').update('copied\n').digest('hex') });
    expected.set('/lost+found', { mode: 0o40700, uid: 0, gid: 0, type: 'dir' });
    expect([...built.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, node] of expected) expect(built.get(path), path).toEqual(node);
  }, 120_000);
});
