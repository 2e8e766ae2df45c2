/**
 * Names are bytes end to end: tar names that are not UTF-8 (ustar, pax `path`, GNU long names,
 * link targets) reach the image byte for byte, stay distinct, and match whiteouts and hard links
 * by their exact bytes; messages show the bytes that are not UTF-8 as `\xNN`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { nameFromBytes } from '../../../src/core/names.js';
import { createExt4Writer } from '../../../src/executor/ext4/index.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { expectClean, listTree, symlinkTarget, useImageDir } from '../../helpers/ext4.js';
import { memoryLayer } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { paxRecord, rawTar } from '../../helpers/raw-tar.js';

const dir = useImageDir();
const b = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** The tree path of a name given as bytes. */
const path = (...parts: (string | number[])[]): string => `/${nameFromBytes(b(...parts))}`;

const lower = rawTar([
  { name: b('caf', [0xe9]), content: Buffer.from('latin-1') },
  { name: b('n', [0xff]), content: Buffer.from('ff') },
  { name: b('n', [0xfe]), content: Buffer.from('fe') },
  { name: b('d', [0x80], '/'), type: '5', mode: 0o755 },
  { name: b('d', [0x80], '/inner'), content: Buffer.from('inner') },
  { name: 'link', type: '2', linkname: b('caf', [0xe9]) },
  { name: b('hard', [0xe9]), type: '1', linkname: b('n', [0xff]) },
  { name: 'placeholder', content: Buffer.from('pax'), pax: [paxRecord('path', b('pax', [0xf0, 0x28], 'name'))] },
  { name: '././@LongLink', type: 'L', content: b('long-', 'x'.repeat(120), [0xc3, 0x28]) },
  { name: 'cut-by-ustar', content: Buffer.from('long') },
  { name: 'utf8-café', content: Buffer.from('utf-8') },
]);
const upper = rawTar([
  { name: b('.wh.n', [0xfe]), content: Buffer.alloc(0) },
  { name: b('d', [0x80], '/.wh.inner'), content: Buffer.alloc(0) },
]);

describe('names that are not UTF-8', () => {
  it('stay distinct in the flattened tree, and whiteouts and hard links match their bytes', async () => {
    const tree = new MemoryTree();
    await flattenLayers([memoryLayer(lower), memoryLayer(upper)], tree);
    const names = [...tree.entries.keys()];
    expect(names.some((n) => n.includes('\ufffd'))).toBe(false);
    expect(tree.entries.get(path('n', [0xff]))?.data.toString()).toBe('ff');
    expect(tree.entries.has(path('n', [0xfe]))).toBe(false);
    expect(tree.entries.has(path('d', [0x80], '/inner'))).toBe(false);
    expect(tree.entries.get(path('hard', [0xe9]))).toBe(tree.entries.get(path('n', [0xff])));
    expect(tree.entries.get('/link')?.meta.linkTarget).toBe(nameFromBytes(b('caf', [0xe9])));
    expect(tree.entries.get(path('pax', [0xf0, 0x28], 'name'))?.data.toString()).toBe('pax');
    expect(tree.entries.get(path('long-', 'x'.repeat(120), [0xc3, 0x28]))?.data.toString()).toBe('long');
    expect(tree.entries.get('/utf8-café')?.data.toString()).toBe('utf-8');
  });

  it('reach the image byte for byte (debugfs read-back), and e2fsck accepts it', async () => {
    const image = join(dir(), 'bytes.ext4');
    const writer = await createExt4Writer(image, { seed: 'bytes' });
    await flattenLayers([memoryLayer(lower), memoryLayer(upper)], writer);
    await writer.close();
    await expectClean(image);
    const listed = await listTree(image);
    expect([...listed.keys()].sort()).toEqual(
      [
        path('caf', [0xe9]),
        path('n', [0xff]),
        path('d', [0x80]),
        '/link',
        path('hard', [0xe9]),
        path('pax', [0xf0, 0x28], 'name'),
        path('long-', 'x'.repeat(120), [0xc3, 0x28]),
        '/utf8-café',
        '/lost+found',
      ].sort(),
    );
    expect(listed.get(path('hard', [0xe9]))?.ino).toBe(listed.get(path('n', [0xff]))?.ino);
    expect(await symlinkTarget(image, listed.get('/link')?.ino as number)).toEqual(b('caf', [0xe9]));
  });

  it('are shown as \\xNN in diagnostics', async () => {
    const layer = memoryLayer(rawTar([{ name: b('/abs', [0xe9]), content: Buffer.from('x') }]));
    const error = await flattenLayers([layer], new MemoryTree()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]?.message).toContain('"/abs\\xe9"');
  });
});
