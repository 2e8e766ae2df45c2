import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/core/digest.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { buildTar, memoryLayer } from '../../helpers/layers.js';
import type { TestMember } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';

const isRoot = process.getuid?.() === 0;

const layers: TestMember[][] = [
  [
    { name: 'etc/', mode: 0o755 },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'd/old', content: 'old' },
    { name: 'd/sub/deep', content: 'deep' },
    { name: 'p/child', content: 'c' },
    { name: 'f', content: 'file-then-dir' },
    { name: 'a', content: 'v1', mode: 0o755, uid: 7, gid: 8 },
    { name: 'b', type: 'link', linkname: 'a' },
    { name: 'gone', content: 'g' },
    { name: 'keepdir/', mode: 0o700 },
    { name: 'keepdir/x', content: 'x' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'fifo', type: 'fifo', mode: 0o600 },
    { name: 'sl', type: 'symlink', linkname: '/etc/passwd' },
  ],
  [
    { name: 'd/', mode: 0o750 },
    { name: 'd/.wh..wh..opq', content: '' },
    { name: 'd/new', content: 'new' },
    { name: 'p', content: 'now a file' },
    { name: 'f/', mode: 0o711 },
    { name: 'f/inside', content: 'i' },
    { name: 'a', content: 'v2' },
    { name: '.wh.gone', content: '' },
    { name: 'keepdir/', mode: 0o1777, uid: 3, gid: 4 },
    { name: 'dup', content: 'first' },
    { name: 'dup', content: 'second' },
    { name: 'deep/implicit/parent/file', content: 'z' },
  ],
  [{ name: 'a2', type: 'link', linkname: 'b' }, { name: '.wh.b', content: '' }],
];

async function ociLayout(dir: string, tars: Buffer[]): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer | string): Promise<{ digest: string; size: number }> => {
    const digest = sha256Digest(data);
    await writeFile(join(blobs, digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layerDescs = [];
  for (const tar of tars) layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...(await put(tar)) });
  const config = await put(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.digest) } }));
  const manifest = await put(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layerDescs }));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }),
  );
}

/** The same listing as MemoryTree.dump, read from a real directory (hard links grouped by inode). */
async function dumpDir(root: string): Promise<string> {
  const lines: string[] = [];
  const firstByInode = new Map<number, string>();
  const walk = async (rel: string): Promise<void> => {
    const st = await lstat(join(root, rel));
    const path = rel === '' ? '/' : rel;
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'fifo';
    let line = `${path} ${type} ${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.uid}:${st.gid}`;
    if (type === 'file') line += ` ${JSON.stringify(await readFile(join(root, rel), 'utf8'))}`;
    if (type === 'symlink') line += ` -> ${await readlink(join(root, rel))}`;
    if (type === 'char' || type === 'block') line += ` ${Math.floor(st.rdev / 256)},${st.rdev % 256}`;
    if (type !== 'dir') {
      const first = firstByInode.get(st.ino);
      if (first) line += ` =link ${first}`;
      else firstByInode.set(st.ino, path);
    }
    lines.push(line);
    if (type === 'dir') for (const name of (await readdir(join(root, rel))).sort()) await walk(`${rel}/${name}`);
  };
  await walk('');
  return lines.sort().join('\n');
}

describe('flattening matches umoci', () => {
  it.runIf(isRoot)('MemoryTree equals umoci raw unpack of the same layers (needs root)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cube-umoci-'));
    try {
      const tars = await Promise.all(layers.map((l) => buildTar(l)));
      await ociLayout(join(dir, 'image'), tars);
      execFileSync('umoci', ['raw', 'unpack', '--image', `${join(dir, 'image')}:latest`, join(dir, 'rootfs')], { stdio: 'pipe' });
      const tree = new MemoryTree();
      await flattenLayers(tars.map(memoryLayer), tree);
      const withoutRoot = (s: string) => s.split('\n').filter((l) => !l.startsWith('/ ')).join('\n');
      expect(withoutRoot(tree.dump())).toBe(withoutRoot(await dumpDir(join(dir, 'rootfs'))));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
