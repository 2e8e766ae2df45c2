/** Builds layer tars in memory with tar-stream, for flattening tests. */
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { Digest } from '../../src/core/digest.js';
import { sha256Digest } from '../../src/core/digest.js';
import { DiagnosticError } from '../../src/core/diagnostics/index.js';
import type { Diagnostic } from '../../src/core/diagnostics/index.js';
import { flattenLayers } from '../../src/executor/flatten/index.js';
import type { FlattenLayer, FlattenOptions } from '../../src/executor/flatten/index.js';
import { MemoryTree } from './memory-tree.js';

/** One member to put in a test layer; `content` makes a file, the other fields the rest. */
export interface TestMember {
  readonly name: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  readonly content?: string | Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly pax?: Record<string, string>;
  readonly mtime?: Date;
}

/** Packs members into an uncompressed tar. */
export async function buildTar(members: readonly TestMember[]): Promise<Buffer> {
  const p = pack();
  const done = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const m of members) {
    const type = m.type ?? (m.content !== undefined ? 'file' : 'directory');
    const header = {
      name: m.name,
      type,
      mode: m.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: m.uid ?? 0,
      gid: m.gid ?? 0,
      mtime: m.mtime ?? new Date(1_700_000_000_000),
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
      ...(m.devmajor !== undefined ? { devmajor: m.devmajor, devminor: m.devminor ?? 0 } : {}),
      ...(m.pax ? { pax: m.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      p.entry(header, type === 'file' ? m.content ?? '' : '', (e) => (e ? reject(e) : resolve()));
    });
  }
  p.finalize();
  return done;
}

/** A FlattenLayer over an in-memory tar, named by the tar's sha256. */
export function memoryLayer(tar: Buffer): FlattenLayer {
  const digest: Digest = sha256Digest(tar);
  return { digest, open: async () => Readable.from([tar]) };
}

/** Builds FlattenLayers from member lists, oldest first. */
export async function layersOf(...layers: (readonly TestMember[])[]): Promise<FlattenLayer[]> {
  return Promise.all(layers.map(async (l) => memoryLayer(await buildTar(l))));
}

/** Flattens `layers` into a MemoryTree: 'ok', or the first diagnostic it failed with (any other failure is thrown). */
export async function flattenOutcome(layers: readonly FlattenLayer[], options: FlattenOptions = {}): Promise<'ok' | Diagnostic> {
  try {
    await flattenLayers(layers, new MemoryTree(), options);
    return 'ok';
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    return error.diagnostics[0] as Diagnostic;
  }
}
