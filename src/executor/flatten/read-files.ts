/**
 * Reads a few files of the flattened tree (`/etc/passwd`, `/etc/group`) without writing the
 * tree anywhere: pass 2 for only the layers that hold their surviving versions, into a writer that
 * keeps nothing, capturing their bytes (see layer-files.ts: from a verified local copy where
 * there is one, else streamed).
 */
import { discardingWriter } from '../../core/tree-writer.js';
import type { FlattenLayer } from './flatten.js';
import type { FlattenedIndex, IndexInode } from './flattened-index.js';
import { writeLayerFiles } from './layer-files.js';
import type { LayerFile } from './layer-files.js';

/**
 * The bytes of each of `paths` that is a regular file in the tree (symlinks followed inside it),
 * by the path asked for. Paths that are missing or not regular files are left out.
 */
export async function readTreeFiles(layers: readonly FlattenLayer[], index: FlattenedIndex, paths: readonly string[]): Promise<Map<string, Uint8Array>> {
  const wanted = new Map<IndexInode, string[]>();
  for (const path of paths) {
    const hit = index.resolve(path);
    // Sparse members start with their map; these small text files never are.
    if (hit?.inode.meta.type === 'file' && !hit.inode.meta.sparse) wanted.set(hit.inode, [...(wanted.get(hit.inode) ?? []), path]);
  }
  const captured = new Map<string, Uint8Array>();
  const sink = { writer: discardingWriter(), capture: wanted, captured };
  for (const layerNo of new Set([...wanted.keys()].map((inode) => inode.layer))) {
    const byPos = new Map<number, LayerFile>([...wanted.keys()].filter((inode) => inode.layer === layerNo).map((inode) => [inode.position, { path: (wanted.get(inode) as string[])[0] as string, inode }]));
    await writeLayerFiles(layers[layerNo] as FlattenLayer, byPos, sink);
  }
  return captured;
}
