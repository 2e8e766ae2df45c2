/**
 * Pass 2 for one layer: creates the layer's surviving files in the writer, in member order, and
 * writes their data. The data is read at the offsets pass 1 saw it at (tar-stream's count of the
 * uncompressed bytes) when a verified local copy of the uncompressed layer exists: a few large
 * reads in place of parsing the whole tar again. Otherwise the layer is streamed once more.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { TreeWriter } from '../../core/tree-writer.js';
import type { FlattenLayer } from './flatten.js';
import type { IndexInode } from './flattened-index.js';
import { entryOf, fail } from './layer-changes.js';
import { membersAt } from './read-layer.js';

/** A file whose data a layer holds: the path it is created at and its inode. */
export interface LayerFile {
  readonly path: string;
  readonly inode: IndexInode;
}

/** Where one layer's files go: the writer, and the files whose bytes are wanted besides (by inode, under the names asked for). */
export interface LayerFilesSink {
  readonly writer: TreeWriter<unknown>;
  readonly capture: ReadonlyMap<IndexInode, readonly string[]>;
  readonly captured: Map<string, Uint8Array>;
}

/** Bytes the member of `inode` holds in the tar: a sparse file's map and its data regions, else its size. */
function storedBytes(inode: IndexInode): number {
  return inode.meta.sparse ? (inode.dataOffset ?? 0) + inode.meta.sparse.reduce((n, r) => n + r.length, 0) : (inode.meta.size ?? 0);
}

/** How much is read from a stored layer at a time. */
const WINDOW = 4 << 20;

/** Writes the files `byPos` (by member position) of `layer` into the sink. */
export async function writeLayerFiles(layer: FlattenLayer, byPos: ReadonlyMap<number, LayerFile>, sink: LayerFilesSink): Promise<void> {
  const stored = [...byPos.values()].every((f) => f.inode.dataAt !== undefined) ? await layer.stored?.() : undefined;
  if (stored === undefined) return writeStreamed(layer, byPos, sink);
  const handle = await open(stored, 'r');
  try {
    await writeStored(layer, handle, byPos, sink);
  } finally {
    await handle.close();
  }
}

/** Reads each file's data at its offset in the stored tar, through one window that large reads refill. */
async function writeStored(layer: FlattenLayer, handle: FileHandle, byPos: ReadonlyMap<number, LayerFile>, sink: LayerFilesSink): Promise<void> {
  const window = Buffer.allocUnsafe(WINDOW);
  let start = 0;
  let end = 0;
  for (const position of [...byPos.keys()].sort((a, b) => a - b)) {
    const { path, inode } = byPos.get(position) as LayerFile;
    await sink.writer.create(path, inode.meta);
    const keep = sink.capture.get(inode);
    const chunks: Buffer[] = [];
    const dataAt = inode.dataAt as number;
    const last = dataAt + storedBytes(inode);
    // A sparse member's data starts with its map, which pass 1 already read.
    for (let at = dataAt + (inode.dataOffset ?? 0); at < last; ) {
      if (at < start || at >= end) {
        const { bytesRead } = await handle.read(window, 0, WINDOW, at);
        if (bytesRead === 0) fail(createDiagnostic(buildCodes.layerChanged, 'fewer', { digest: layer.digest }));
        [start, end] = [at, at + bytesRead];
      }
      const chunk = window.subarray(at - start, Math.min(last, end) - start);
      // The writer copies what it keeps before it resolves; the window is reused after.
      await sink.writer.write(chunk);
      if (keep) chunks.push(Buffer.from(chunk));
      at += chunk.length;
    }
    if (keep) for (const name of keep) sink.captured.set(name, Buffer.concat(chunks));
  }
}

/** Streams the layer once more, writing the members `byPos` wants and skipping the rest. */
async function writeStreamed(layer: FlattenLayer, byPos: ReadonlyMap<number, LayerFile>, sink: LayerFilesSink): Promise<void> {
  let written = 0;
  for await (const { header, data, value: hit } of membersAt(await layer.open(), layer.digest, byPos)) {
    if ((header.size ?? 0) !== storedBytes(hit.inode)) fail(createDiagnostic(buildCodes.layerChanged, 'size', entryOf(layer, header.name)));
    await sink.writer.create(hit.path, hit.inode.meta);
    const keep = sink.capture.get(hit.inode);
    const chunks: Buffer[] = [];
    // A sparse member's data starts with its map, which pass 1 already read.
    let skip = hit.inode.dataOffset ?? 0;
    for await (const whole of data) {
      const chunk = skip > 0 ? whole.subarray(Math.min(skip, whole.length)) : whole;
      skip = Math.max(0, skip - whole.length);
      if (chunk.length === 0) continue;
      await sink.writer.write(chunk);
      if (keep) chunks.push(chunk);
    }
    if (keep) for (const name of keep) sink.captured.set(name, Buffer.concat(chunks));
    written++;
  }
  if (written !== byPos.size) fail(createDiagnostic(buildCodes.layerChanged, 'fewer', { digest: layer.digest }));
}
