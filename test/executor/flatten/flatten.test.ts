import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { Readable } from 'node:stream';
import type { LayerSource, ResolvedImage } from '../../../src/core/image.js';
import { flattenLayers, imageLayers } from '../../../src/executor/flatten/index.js';
import type { FlattenLayer, FlattenOptions } from '../../../src/executor/flatten/index.js';
import { sha256Digest } from '../../../src/core/digest.js';
import { buildTar, layersOf, memoryLayer } from '../../helpers/layers.js';
import type { TestMember } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';

async function flatten(layers: (readonly TestMember[])[], options?: FlattenOptions) {
  const tree = new MemoryTree();
  const result = await flattenLayers(await layersOf(...layers), tree, options);
  await tree.close();
  return { tree, result, dump: tree.dump() };
}

async function flattenError(layers: (readonly TestMember[])[], options?: FlattenOptions): Promise<string> {
  try {
    await flatten(layers, options);
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n');
    throw err;
  }
  throw new Error('flatten succeeded');
}

describe('OCI layer semantics', () => {
  it('creates implicit parents root-owned 0755', async () => {
    const { dump } = await flatten([[{ name: 'a/b/c.txt', content: 'hi' }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/a dir 0755 0:0', '/a/b dir 0755 0:0', '/a/b/c.txt file 0644 0:0 "hi"'].join('\n'));
  });

  it('applies a whiteout to lower layers only', async () => {
    const { dump } = await flatten([
      [{ name: 'd/' }, { name: 'd/x', content: '1' }, { name: 'd/y', content: '2' }],
      [{ name: 'd/.wh.x', content: '' }],
    ]);
    expect(dump).toContain('/d/y file');
    expect(dump).not.toContain('/d/x');
  });

  it('keeps a path whited out and re-created in the same layer', async () => {
    const { dump } = await flatten([[{ name: 'x', content: 'old' }], [{ name: 'x', content: 'new' }, { name: '.wh.x', content: '' }]]);
    expect(dump).toContain('/x file 0644 0:0 "new"');
  });

  it('whites out a whole directory', async () => {
    const { dump } = await flatten([[{ name: 'd/a/b', content: '1' }], [{ name: '.wh.d', content: '' }]]);
    expect(dump).toBe('/ dir 0755 0:0');
  });

  it('opaque directory hides lower children but keeps its own layer', async () => {
    const { dump } = await flatten([
      [{ name: 'd/old', content: 'o' }, { name: 'd/sub/deep', content: 'o' }],
      [{ name: 'd/', mode: 0o700 }, { name: 'd/.wh..wh..opq', content: '' }, { name: 'd/new', content: 'n' }],
    ]);
    expect(dump).toBe(['/ dir 0755 0:0', '/d dir 0700 0:0', '/d/new file 0644 0:0 "n"'].join('\n'));
  });

  it('a file replaces a directory and its children', async () => {
    const { dump } = await flatten([[{ name: 'p/child', content: 'c' }], [{ name: 'p', content: 'file' }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/p file 0644 0:0 "file"'].join('\n'));
  });

  it('a directory replaces a file', async () => {
    const { dump } = await flatten([[{ name: 'p', content: 'file' }], [{ name: 'p/', mode: 0o750 }, { name: 'p/c', content: 'c' }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/p dir 0750 0:0', '/p/c file 0644 0:0 "c"'].join('\n'));
  });

  it('a directory entry changing only metadata keeps lower children', async () => {
    const { dump } = await flatten([[{ name: 'd/', mode: 0o755 }, { name: 'd/f', content: 'f' }], [{ name: 'd/', mode: 0o1777, uid: 5, gid: 6 }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/d dir 1777 5:6', '/d/f file 0644 0:0 "f"'].join('\n'));
  });

  it('duplicate entries in one layer: last wins', async () => {
    const { dump } = await flatten([[{ name: 'f', content: 'first' }, { name: 'f', content: 'second', mode: 0o600 }]]);
    expect(dump).toContain('/f file 0600 0:0 "second"');
  });

  it('hard link to a lower-layer file', async () => {
    const { dump } = await flatten([[{ name: 'bin/a', content: 'AAA', mode: 0o755 }], [{ name: 'bin/b', type: 'link', linkname: 'bin/a' }]]);
    expect(dump).toContain('/bin/a file 0755 0:0 "AAA"');
    expect(dump).toContain('/bin/b file 0755 0:0 "AAA" =link /bin/a');
  });

  it('a hard link keeps its bytes when a later layer replaces the target', async () => {
    const { dump } = await flatten([
      [{ name: 'a', content: 'v1' }, { name: 'b', type: 'link', linkname: 'a' }],
      [{ name: 'a', content: 'v2' }],
    ]);
    expect(dump).toContain('/a file 0644 0:0 "v2"');
    expect(dump).toContain('/b file 0644 0:0 "v1"');
    expect(dump).not.toContain('=link');
  });

  it('a hard link survives when a later layer whites out its target', async () => {
    const { dump } = await flatten([[{ name: 'z', content: 'data' }, { name: 'a', type: 'link', linkname: 'z' }], [{ name: '.wh.z', content: '' }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/a file 0644 0:0 "data"'].join('\n'));
  });

  it('symlinks, devices and fifos', async () => {
    const { dump } = await flatten([[
      { name: 'l', type: 'symlink', linkname: '../../etc/x' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
      { name: 'p', type: 'fifo' },
    ]]);
    expect(dump).toContain('/l symlink 0777 0:0 -> ../../etc/x');
    expect(dump).toContain('/dev/null char 0666 0:0 1,3');
    expect(dump).toContain('/dev/sda block 0644 0:0 8,0');
    expect(dump).toContain('/p fifo');
  });

  it('long names (pax path) and long link targets', async () => {
    const long = 'd/' + 'x'.repeat(200) + '/' + 'y'.repeat(150);
    const { dump } = await flatten([[{ name: long, content: 'L' }, { name: 's', type: 'symlink', linkname: 't'.repeat(300) }]]);
    expect(dump).toContain(`/${long} file 0644 0:0 "L"`);
    expect(dump).toContain(`/s symlink 0777 0:0 -> ${'t'.repeat(300)}`);
  });

  it('pax nanosecond mtimes and xattrs', async () => {
    const tree = new MemoryTree();
    const layers = await layersOf([{
      name: 'f',
      content: 'x',
      pax: { mtime: '1700000000.123456789', 'SCHILY.xattr.user.a': 'va', 'LIBARCHIVE.xattr.security.capability': Buffer.from([1, 0, 0, 2, 255]).toString('base64') },
    }]);
    await flattenLayers(layers, tree);
    const meta = tree.entries.get('/f')?.meta;
    expect(meta?.mtime).toEqual({ sec: 1_700_000_000, nsec: 123_456_789 });
    expect(Buffer.from(meta?.xattrs?.get('user.a') ?? [])).toEqual(Buffer.from('va'));
    expect([...(meta?.xattrs?.get('security.capability') ?? [])]).toEqual([1, 0, 0, 2, 255]);
  });

  it('writes parents before children and is reproducible', async () => {
    const members = [[{ name: 'z/y/x', content: '1' }, { name: 'a', content: '2' }, { name: 'z/', mode: 0o700 }], [{ name: 'm', type: 'link' as const, linkname: 'a' }]];
    const a = await flatten(members);
    const b = await flatten(members);
    expect(a.dump).toBe(b.dump);
    expect(a.dump).toContain('/z dir 0700');
  });

  it('captures small files and resolves symlinks inside the rootfs', async () => {
    const { result } = await flatten([[
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
      { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
      { name: 'usr/bin/sh', content: '#!' },
      { name: 'usr/bin/up', type: 'symlink', linkname: '../../../../../usr/bin/sh' },
    ]], { capture: ['/etc/passwd', '/etc/group'] });
    expect(Buffer.from(result.captured.get('/etc/passwd') ?? []).toString()).toContain('root:x:0:0');
    expect(result.captured.has('/etc/group')).toBe(false);
    expect(result.index.resolve('/bin/sh')?.path).toBe('/usr/bin/sh');
    expect(result.index.resolve('/usr/bin/up')?.path).toBe('/usr/bin/sh');
    expect(result.index.resolve('/bin/bash')).toBeUndefined();
  });
});

describe('hostile layers', () => {
  const cases: { name: string; layers: TestMember[][]; code: string; mentions: string; options?: FlattenOptions }[] = [
    { name: '.. escape', layers: [[{ name: '../etc/passwd', content: 'x' }]], code: 'CUBE3201', mentions: '../etc/passwd' },
    { name: 'nested .. escape', layers: [[{ name: 'a/../../b', content: 'x' }]], code: 'CUBE3201', mentions: 'a/../../b' },
    { name: 'absolute path', layers: [[{ name: '/etc/shadow', content: 'x' }]], code: 'CUBE3202', mentions: '/etc/shadow' },
    { name: 'hardlink outside', layers: [[{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]], code: 'CUBE3203', mentions: '"h"' },
    { name: 'hardlink to missing', layers: [[{ name: 'h', type: 'link', linkname: 'nope' }]], code: 'CUBE3203', mentions: 'does not exist' },
    { name: 'hardlink to whited-out', layers: [[{ name: 'f', content: 'x' }], [{ name: '.wh.f', content: '' }], [{ name: 'h', type: 'link', linkname: 'f' }]], code: 'CUBE3203', mentions: 'whited out' },
    { name: 'hardlink to directory', layers: [[{ name: 'd/' }, { name: 'h', type: 'link', linkname: 'd' }]], code: 'CUBE3203', mentions: 'directory' },
    { name: 'entry through symlink', layers: [[{ name: 'etc', type: 'symlink', linkname: '/host' }, { name: 'etc/x', content: 'x' }]], code: 'CUBE3206', mentions: 'etc/x' },
    { name: 'entry too large', layers: [[{ name: 'big', content: 'x'.repeat(100) }]], code: 'CUBE3204', mentions: 'big', options: { maxEntrySize: 99 } },
    { name: 'uid beyond 32 bits', layers: [[{ name: 'u', content: 'x', pax: { uid: '4294967296' } }]], code: 'CUBE3205', mentions: 'uid "4294967296"' },
    { name: 'gid that is not a number', layers: [[{ name: 'g', content: 'x', pax: { gid: 'wheel' } }]], code: 'CUBE3205', mentions: 'gid "wheel"' },
  ];
  it.each(cases)('rejects $name', async ({ layers, code, mentions, options }) => {
    const message = await flattenError(layers, options);
    expect(message.startsWith(code)).toBe(true);
    expect(message).toContain(mentions);
    expect(message).toMatch(/layer sha256:[0-9a-f]{64}/);
  });

  it('reports bytes that are not a tar (a broken header checksum) as CUBE3215, naming the layer', async () => {
    const tar = await buildTar([{ name: 'a', content: 'x' }]);
    tar[0] = 0x41; // the name changes, the checksum no longer matches
    const layer = memoryLayer(tar);
    const error = await flattenLayers([layer], new MemoryTree()).catch((e: unknown) => e);
    expect((error as DiagnosticError).diagnostics?.[0]?.code).toBe('CUBE3215');
    expect((error as DiagnosticError).diagnostics[0]?.message).toContain(`layer ${layer.digest} is not a valid tar archive`);
  });

  it('names the digest of the offending layer', async () => {
    const good = memoryLayer(await buildTar([{ name: 'ok', content: '1' }]));
    const bad = memoryLayer(await buildTar([{ name: '../x', content: '1' }]));
    await expect(flattenLayers([good, bad], new MemoryTree())).rejects.toThrow(bad.digest);
  });
});

describe('reading layers concurrently', () => {
  it('reports the oldest bad layer even when a newer one fails first', async () => {
    // Layer 0 is slow to read and bad at its end; layer 1 is bad at once.
    const slowBad: FlattenLayer = {
      digest: sha256Digest('slow'),
      open: async () => {
        const tar = await buildTar([...Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, content: 'x' })), { name: '../late', content: 'x' }]);
        return Readable.from((async function* () {
          for (let i = 0; i < tar.length; i += 512) {
            await new Promise((resolve) => setTimeout(resolve, 0));
            yield tar.subarray(i, i + 512);
          }
        })());
      },
    };
    const quickBad = memoryLayer(await buildTar([{ name: '/abs', content: 'x' }]));
    const error = await flattenLayers([slowBad, quickBad], new MemoryTree()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]?.message).toBe(`layer ${slowBad.digest}: entry "../late" climbs out of the root filesystem`);
  });

  it('builds the same tree at every concurrency', async () => {
    const layers = [
      [{ name: 'd/' }, { name: 'd/x', content: '1' }, { name: 'f', content: 'a' }],
      [{ name: 'd/.wh.x', content: '' }, { name: 'h', type: 'link' as const, linkname: 'f' }],
      [{ name: 'd/.wh..wh..opq', content: '' }, { name: 'd/y', content: '2' }, { name: 'f', content: 'b' }],
    ];
    const serial = await flatten(layers, { concurrency: 1 });
    for (const concurrency of [2, 3, 8]) expect((await flatten(layers, { concurrency })).dump).toBe(serial.dump);
  });
});

describe('hard links and whiteouts in one layer', () => {
  it('a link to a lower file survives the same layer whiting that file out', async () => {
    const { dump } = await flatten([[{ name: 'b', content: 'B' }], [{ name: 'a2', type: 'link', linkname: 'b' }, { name: '.wh.b', content: '' }]]);
    expect(dump).toBe(['/ dir 0755 0:0', '/a2 file 0644 0:0 "B"'].join('\n'));
  });
});

/** Rewrites the typeflag of the first header of a tar and fixes its checksum. */
function withTypeflag(tar: Buffer, flag: string): Buffer {
  const out = Buffer.from(tar);
  out.write(flag, 156, 'latin1');
  out.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i] as number;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return out;
}

describe('unsupported records', () => {
  it('refuses a GNU sparse (typeflag S) member', async () => {
    const tar = withTypeflag(await buildTar([{ name: 'sparse.img', content: 'x' }]), 'S');
    await expect(flattenLayers([memoryLayer(tar)], new MemoryTree())).rejects.toThrow(/CUBE3205.*sparse\.img/);
  });

  it('refuses a pax GNU sparse member that lacks its name and real size', async () => {
    const message = await flattenError([[{ name: 'f', content: 'x', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' } }]]);
    expect(message).toMatch(/^CUBE3205 .*GNU\.sparse\.name and GNU\.sparse\.realsize/);
  });

  it('control: the unmodified tar is accepted', async () => {
    const tar = withTypeflag(await buildTar([{ name: 'plain', content: 'x' }]), '0');
    const tree = new MemoryTree();
    await flattenLayers([memoryLayer(tar)], tree);
    expect(tree.dump()).toContain('/plain file');
  });
});

describe('imageLayers', () => {
  it('opens each layer of a resolved image through the LayerSource, oldest first', async () => {
    const tars = [await buildTar([{ name: 'x', content: '1' }]), await buildTar([{ name: 'x', content: '2' }])];
    const opened: number[] = [];
    const image = { layers: tars.map((t) => ({ digest: memoryLayer(t).digest })) } as unknown as ResolvedImage;
    const source: LayerSource = { openLayer: async (_img, i) => (opened.push(i), Readable.from([tars[i] as Buffer])) };
    const tree = new MemoryTree();
    await flattenLayers(imageLayers(image, source), tree);
    expect(tree.dump()).toContain('/x file 0644 0:0 "2"');
    expect(opened).toEqual([0, 1, 1]);
  });
});
