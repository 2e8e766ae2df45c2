/**
 * Reads a few files of the flattened tree (`/etc/passwd`, `/etc/group`) without writing the
 * tree anywhere: each is read where pass 1 saw it in a verified local copy of its layer, or else
 * only the layers that hold their surviving versions are streamed, each once.
 */
import { open } from 'node:fs/promises';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { FlattenLayer } from './flatten.js';
import type { FlattenedIndex, IndexInode } from './flattened-index.js';
import { membersAt } from './read-layer.js';

/**
 * The bytes of each of `paths` that is a regular file in the tree (symlinks followed inside it),
 * by the path asked for. Paths that are missing or not regular files are left out.
 */
export async function readTreeFiles(layers: readonly FlattenLayer[], index: FlattenedIndex, paths: readonly string[]): Promise<Map<string, Uint8Array>> {
  const wanted = new Map<IndexInode, string[]>();
  for (const path of paths) {
    const inode = index.resolve(path)?.inode;
    // Sparse members start with their map; these small text files never are.
    if (inode?.meta.type === 'file' && !inode.meta.sparse) wanted.set(inode, [...(wanted.get(inode) ?? []), path]);
  }
  const out = new Map<string, Uint8Array>();
  for (const layerNo of new Set([...wanted.keys()].map((inode) => inode.layer))) {
    const layer = layers[layerNo] as FlattenLayer;
    const inLayer = [...wanted].filter(([inode]) => inode.layer === layerNo);
    // Read where pass 1 saw them, from a verified local copy, rather than parse the layer again.
    const stored = inLayer.every(([inode]) => inode.dataAt !== undefined) ? await layer.stored?.() : undefined;
    if (stored !== undefined) {
      for (const [inode, names] of inLayer) {
        const bytes = await readAt(stored, inode.dataAt as number, inode.meta.size ?? 0);
        if (bytes === undefined) throw new DiagnosticError(createDiagnostic(buildCodes.layerChanged, 'fewer', { digest: layer.digest }));
        for (const name of names) out.set(name, bytes);
      }
      continue;
    }
    const byPosition = new Map(inLayer.map(([inode, names]) => [inode.position, names]));
    for await (const { header, data, value: names } of membersAt(await layer.open(), layer.digest, byPosition)) {
      const chunks: Buffer[] = [];
      for await (const chunk of data) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      if (bytes.length !== (header.size ?? 0)) {
        throw new DiagnosticError(createDiagnostic(buildCodes.layerChanged, 'size', { digest: layer.digest, name: header.name }));
      }
      for (const name of names) out.set(name, bytes);
    }
  }
  return out;
}

/** `length` bytes of the file at `path` from `offset`, or undefined when it holds fewer. */
async function readAt(path: string, offset: number, length: number): Promise<Buffer | undefined> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    return bytesRead === length ? bytes : undefined;
  } finally {
    await handle.close();
  }
}
