/**
 * Generated hostile layers — names of arbitrary bytes (NUL, overlong, not UTF-8, `.`/`..`),
 * pax records (paths, link paths, times), GNU sparse maps, hard-link graphs, whiteout and opaque
 * mixes, device numbers — give either a diagnostic, or an image e2fsck accepts whose every name
 * is exactly what a byte-level model of the layers says (debugfs read-back, by inode number, so
 * no name is decoded on the way). Fixed seeds and run counts keep the property deterministic and
 * its cost bounded.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { nameToBytes } from '../../../src/core/names.js';
import { createExt4Writer } from '../../../src/executor/ext4/index.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { expectClean, listTree, useImageDir } from '../../helpers/ext4.js';
import { memoryLayer } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { paxRecord, rawTar, sparseTar } from '../../helpers/raw-tar.js';
import type { RawMember } from '../../helpers/raw-tar.js';

const dir = useImageDir();
const SEED = 18;

/** One path component: mostly short, colliding names, some arbitrary bytes; rarely one ext4 cannot hold or that climbs. */
const component = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom(...['a', 'b', 'café', 'n\xff', 'n\xfe', 'caf\xe9', 'd\x80', 'x y', '\\'].map((s) => Buffer.from(s, s.includes('é') ? 'utf8' : 'latin1'))) },
  { weight: 18, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b.map((x) => (x === 0x2f ? 0x5f : x === 0 ? 0x30 : x)))) },
  { weight: 2, arbitrary: fc.constantFrom(Buffer.alloc(255, 0xe9), Buffer.from('.')) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from('..'), Buffer.from('a\0b'), Buffer.alloc(256, 0x6c)) },
);
const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('/'), p]))));
/** Mostly a valid choice, rarely one of the hostile ones. */
const mostly = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });

type Op =
  | { readonly kind: 'file' | 'dir' | 'fifo' | 'whiteout' | 'opaque'; readonly path: Buffer; readonly mtime?: string }
  | { readonly kind: 'symlink' | 'hardlink'; readonly path: Buffer; readonly target: Buffer }
  | { readonly kind: 'char'; readonly path: Buffer; readonly major: number; readonly minor: number }
  | { readonly kind: 'sparse'; readonly path: Buffer; readonly size: number; readonly offset: number };

const mtime = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom('1700000000.5', '-1.25', '-2147483648', '10737418239.9') }, { weight: 1, arbitrary: fc.constantFrom('-2147483649', '10737418240', '1e3') });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom('file', 'file', 'dir', 'dir', 'fifo', 'whiteout', 'whiteout', 'opaque'), path, mtime }) as fc.Arbitrary<Op> },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('symlink', 'hardlink'), path, target: mostly(path, fc.constantFrom(Buffer.alloc(4096, 0x74), Buffer.from('to\0x'))) }) as fc.Arbitrary<Op> },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('char'), path, major: mostly(fc.constantFrom(1, 4095), fc.constant(4096)), minor: mostly(fc.constantFrom(3, 1_048_575), fc.constant(1_048_576)) }) as fc.Arbitrary<Op> },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sparse'), path: fc.constantFrom(Buffer.from('s'), Buffer.from('sp\xe9', 'latin1')), size: mostly(fc.constant(10_000), fc.constant(2 ** 44)), offset: fc.nat(9_000) }) as fc.Arbitrary<Op> },
);

const TYPEFLAG = { file: '0', dir: '5', fifo: '6', symlink: '2', hardlink: '1', char: '3' } as const;

/** One op as tar members: names over 100 bytes or holding NUL go into pax records, as GNU tar writes them. */
function members(o: Op): Buffer {
  if (o.kind === 'sparse') return sparseTar(o.path, o.size, [{ offset: o.offset, data: Buffer.from('data') }]).subarray(0, -1024);
  const base = o.kind === 'whiteout' || o.kind === 'opaque' ? whiteoutName(o) : o.path;
  const pax: Buffer[] = [];
  const name = base.length > 99 || base.includes(0) ? (pax.push(paxRecord('path', base)), Buffer.from('long')) : base;
  const member: RawMember = { name, type: o.kind in TYPEFLAG ? TYPEFLAG[o.kind as keyof typeof TYPEFLAG] : '0', pax, mode: o.kind === 'dir' ? 0o755 : 0o644 };
  if ('mtime' in o && o.mtime !== undefined) pax.push(paxRecord('mtime', Buffer.from(o.mtime)));
  if (o.kind === 'symlink' || o.kind === 'hardlink') {
    if (o.target.length > 99 || o.target.includes(0)) pax.push(paxRecord('linkpath', o.target));
    return rawTar([{ ...member, linkname: o.target.length > 99 || o.target.includes(0) ? 'long' : o.target }]).subarray(0, -1024);
  }
  if (o.kind === 'char') return rawTar([{ ...member, devmajor: o.major, devminor: o.minor }]).subarray(0, -1024);
  return rawTar([{ ...member, ...(o.kind === 'file' ? { content: Buffer.from('content') } : {}) }]).subarray(0, -1024);
}

function whiteoutName(o: Op): Buffer {
  const slash = o.path.lastIndexOf(0x2f);
  const parent = slash === -1 ? Buffer.alloc(0) : o.path.subarray(0, slash + 1);
  return o.kind === 'opaque' ? Buffer.concat([o.path, Buffer.from('/.wh..wh..opq')]) : Buffer.concat([parent, Buffer.from('.wh.'), o.path.subarray(slash + 1)]);
}

const layer = fc.array(op, { minLength: 1, maxLength: 6 });
const image = fc.array(layer, { minLength: 1, maxLength: 3 });

/**
 * The tree the layers make, by a model over bytes (paths as hex keys of their normalised bytes):
 * whiteouts and opaque directories hide lower layers, an entry replaces what is there (a directory
 * over a directory keeps its children), parents appear as directories. Undefined where the layers
 * are not a tree cube must build (escapes, writes below a non-directory, links to nothing).
 */
function model(layers: readonly (readonly Op[])[]): Set<string> | undefined {
  const tree = new Map<string, string>();
  const key = (parts: readonly Buffer[]): string => parts.map((p) => p.toString('hex')).join('/');
  const below = (k: string): string[] => [...tree.keys()].filter((t) => t === k || t.startsWith(`${k}/`));
  const normal = (p: Buffer): Buffer[] | undefined => {
    const out: Buffer[] = [];
    for (let at = 0; at <= p.length; ) {
      const slash = p.indexOf(0x2f, at);
      const part = p.subarray(at, slash === -1 ? p.length : slash);
      at = slash === -1 ? p.length + 1 : slash + 1;
      if (part.length === 0 || part.equals(Buffer.from('.'))) continue;
      if (part.equals(Buffer.from('..'))) {
        if (out.pop() === undefined) return undefined;
      } else out.push(part);
    }
    return out;
  };
  for (const ops of layers) {
    const adds: [string[], Buffer[], string][] = [];
    for (const o of ops) {
      const parts = normal(o.path);
      if (!parts || parts.length === 0) return undefined;
      if (o.kind === 'whiteout') below(key(parts)).forEach((k) => tree.delete(k));
      else if (o.kind === 'opaque') below(key(parts)).filter((k) => k !== key(parts)).forEach((k) => tree.delete(k));
      else adds.push([[], parts, o.kind === 'dir' ? 'dir' : 'other']);
    }
    for (const [, parts, kind] of adds) {
      for (let i = 1; i < parts.length; i++) {
        const type = tree.get(key(parts.slice(0, i)));
        if (type === 'other') return undefined;
        if (type === undefined) tree.set(key(parts.slice(0, i)), 'dir');
      }
      const k = key(parts);
      if (!(tree.get(k) === 'dir' && kind === 'dir')) below(k).forEach((t) => tree.delete(t));
      tree.set(k, kind);
    }
  }
  return new Set(tree.keys());
}

/** The image's paths as the model's keys: each name's bytes in hex. */
function keysOf(listed: Iterable<string>): Set<string> {
  return new Set([...listed].filter((p) => p !== '/lost+found').map((p) => p.slice(1).split('/').map((n) => nameToBytes(n).toString('hex')).join('/')));
}

describe('generated hostile layers', () => {
  it('give a diagnostic or a tree, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(image, async (layers) => {
        try {
          await flattenLayers(layers.map((ops) => memoryLayer(Buffer.concat([...ops.map(members), Buffer.alloc(1024)]))), new MemoryTree());
        } catch (error) {
          if (!(error instanceof DiagnosticError)) throw error;
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  }, 120_000);

  it('give a diagnostic, or an image e2fsck accepts holding exactly the names the layers make', async () => {
    let n = 0;
    let sealed = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(image, async (layers) => {
        const image = join(dir(), `fuzz-${n++}.ext4`);
        const writer = await createExt4Writer(image, { seed: 'fuzz', dirIndex: n % 2 === 0, metadataCsum: n % 3 === 0 });
        try {
          await flattenLayers(layers.map((ops) => memoryLayer(Buffer.concat([...ops.map(members), Buffer.alloc(1024)]))), writer);
          await writer.close();
        } catch (error) {
          await writer.abort();
          if (!(error instanceof DiagnosticError)) throw error;
          return;
        }
        sealed++;
        await expectClean(image);
        const expected = model(layers);
        if (!expected) return;
        compared++;
        expect([...keysOf((await listTree(image)).keys())].sort()).toEqual([...expected].sort());
      }),
      { seed: SEED, numRuns: 250 },
    );
    // Both outcomes occur often enough for the property to test both.
    expect(sealed).toBeGreaterThan(40);
    expect(compared).toBeGreaterThan(40);
    expect(n - sealed).toBeGreaterThan(30);
  }, 300_000);
});
