import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { sha256Digest } from '../../../src/core/digest.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { applyCopy, ensureWorkdir, injectEnvd } from '../../../src/executor/inject/index.js';
import type { CopyEntry, CopySource, HostFile } from '../../../src/executor/inject/index.js';
import { layersOf } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-inject-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function hostFile(name: string, content: string): Promise<HostFile> {
  const hostPath = join(dir, name);
  await writeFile(hostPath, content);
  return { hostPath, digest: sha256Digest(content), size: Buffer.byteLength(content) };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return `${err.diagnostics[0]?.code} ${err.diagnostics[0]?.message}`;
    throw err;
  }
  return 'ok';
}

describe('envd injection', () => {
  it('writes the planned bytes at imagePath, 0755 root:root, parents created', async () => {
    const tree = new MemoryTree();
    await injectEnvd(tree, { file: await hostFile('envd', 'ELF-envd'), imagePath: '/opt/cube/bin/envd' });
    expect(tree.dump()).toBe(['/ dir 0755 0:0', '/opt dir 0755 0:0', '/opt/cube dir 0755 0:0', '/opt/cube/bin dir 0755 0:0', '/opt/cube/bin/envd file 0755 0:0 "ELF-envd"'].join('\n'));
  });

  it('fails when the file changed between plan and build (same size)', async () => {
    const file = await hostFile('envd', 'AAAA');
    await writeFile(file.hostPath, 'BBBB');
    expect(await codeOf(injectEnvd(new MemoryTree(), { file, imagePath: '/envd' }))).toMatch(/^CUBE3220 envd .* changed between plan and build: content is sha256:/);
  });

  it('fails when the size changed, before writing anything', async () => {
    const file = await hostFile('envd', 'AAAA');
    await writeFile(file.hostPath, 'AAAAA');
    const tree = new MemoryTree();
    expect(await codeOf(injectEnvd(tree, { file, imagePath: '/envd' }))).toMatch(/^CUBE3220 .*size 5, planned 4/);
    expect(tree.entries.has('/envd')).toBe(false);
  });

  it('fails clearly when the file is gone', async () => {
    const file = { hostPath: join(dir, 'missing'), digest: sha256Digest(''), size: 0 };
    expect(await codeOf(injectEnvd(new MemoryTree(), { file, imagePath: '/envd' }))).toMatch(/^CUBE3221 cannot read envd/);
  });
});

describe('COPY', () => {
  const fileSource = async (name: string, content: string, mode = 0o644): Promise<CopySource> => ({
    name,
    isDir: false,
    entries: [{ type: 'file', relative: '', mode, ...(await hostFile(name, content)) }],
  });
  const dirSource = async (): Promise<CopySource> => {
    const entries: CopyEntry[] = [
      { type: 'dir', relative: 'sub', mode: 0o750 },
      { type: 'file', relative: 'sub/a.txt', mode: 0o600, ...(await hostFile('a.txt', 'A')) },
      { type: 'symlink', relative: 'link', linkTarget: 'sub/a.txt' },
    ];
    return { name: 'src', isDir: true, entries };
  };
  const none = () => false;

  it.each([
    ['file to exact path', '/app/conf.ini', '/app/conf.ini'],
    ['file into dir (trailing slash)', '/app/', '/app/x.ini'],
  ])('%s', async (_n, dest, at) => {
    const tree = new MemoryTree();
    await applyCopy(tree, { sources: [await fileSource('x.ini', 'k=v', 0o640)], dest }, none);
    expect(tree.entries.get(at)?.data.toString()).toBe('k=v');
    expect(tree.entries.get(at)?.meta.mode).toBe(0o640);
  });

  it('file into a directory that exists in the image', async () => {
    const tree = new MemoryTree();
    await applyCopy(tree, { sources: [await fileSource('x', '1')], dest: '/etc' }, (p) => p === '/etc');
    expect(tree.entries.get('/etc/x')?.data.toString()).toBe('1');
  });

  it('directory source copies its contents, with chown and chmod', async () => {
    const tree = new MemoryTree();
    await applyCopy(tree, { sources: [await dirSource()], dest: '/srv', owner: { uid: 33, gid: 34 }, chmod: 0o700 }, none);
    expect(tree.dump()).toBe(
      ['/ dir 0755 0:0', '/srv dir 0700 33:34', '/srv/link symlink 0777 33:34 -> sub/a.txt', '/srv/sub dir 0700 33:34', '/srv/sub/a.txt file 0700 33:34 "A"'].join('\n'),
    );
  });

  it('several sources go into the destination directory', async () => {
    const tree = new MemoryTree();
    await applyCopy(tree, { sources: [await fileSource('a', '1'), await fileSource('b', '2')], dest: '/d' }, none);
    expect(tree.dump()).toContain('/d/a file 0644 0:0 "1"');
    expect(tree.dump()).toContain('/d/b file 0644 0:0 "2"');
  });

  it('a changed COPY source is an error', async () => {
    const source = await fileSource('a', 'one');
    await writeFile(join(dir, 'a'), 'two');
    expect(await codeOf(applyCopy(new MemoryTree(), { sources: [source], dest: '/a' }, none))).toMatch(/^CUBE3220 COPY source/);
  });
});

describe('WORKDIR', () => {
  it('creates a missing directory, keeps an existing one, rejects a file', async () => {
    const tree = new MemoryTree();
    const { index } = await flattenLayers(await layersOf([{ name: 'srv/', mode: 0o700 }, { name: 'f', content: 'x' }, { name: 'app', type: 'symlink', linkname: 'srv' }]), tree);
    expect(await ensureWorkdir(tree, index, '/work/dir')).toBeUndefined();
    expect(tree.entries.get('/work/dir')?.meta).toMatchObject({ type: 'dir', mode: 0o755, uid: 0 });
    expect(await ensureWorkdir(tree, index, '/app')).toBeUndefined();
    expect(tree.entries.get('/srv')?.meta.mode).toBe(0o700);
    expect(await ensureWorkdir(tree, index, '/f')).toEqual({ target: '/f', prefix: '/f', type: 'file' });
    expect(await ensureWorkdir(tree, index, '/f/below')).toEqual({ target: '/f/below', prefix: '/f', type: 'file' });
    expect(await ensureWorkdir(tree, index, '/app/sub')).toBeUndefined();
    expect(tree.entries.get('/srv/sub')?.meta.type).toBe('dir');
    expect(tree.entries.get('/app')?.meta.type).toBe('symlink');
  });
});
