/**
 * Flattening: applies a resolved image's layers, oldest first, into a TreeWriter.
 *
 * Pass 1 (`indexLayers`) reads every layer's headers and builds the flattened index. Pass 2
 * (`writeFlattened`) writes the surviving tree in a fixed order so output is reproducible:
 *   1. directories, in component order (parents first);
 *   2. symlinks, devices and fifos, in component order;
 *   3. regular files, streaming each layer again oldest first, in member order;
 *   4. the remaining paths of every hard-linked inode, in component order, linked to the
 *      inode's first path in component order.
 * Nothing from a layer is ever written to the host filesystem.
 */
import type { Readable } from 'node:stream';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource, ProgressEvent, ResolvedImage } from '../../core/image.js';
import type { TreeWriter } from '../../core/tree-writer.js';
import { FlattenedIndex, sortPaths } from './flattened-index.js';
import type { IndexInode } from './flattened-index.js';
import { entryOf, fail, readLayerChanges } from './layer-changes.js';
import type { LayerChanges } from './layer-changes.js';
import { LayerBudget } from './limits.js';
import type { FlattenLimits } from './limits.js';
import { writeLayerFiles } from './layer-files.js';

/** One layer to flatten: its identity for messages and a way to open its uncompressed tar. */
export interface FlattenLayer {
  /** The digest named in diagnostics (the blob digest or diffId). */
  readonly digest: Digest;
  /** The layer's compressed size as its descriptor gives it: the default byte limits are a multiple of it. */
  readonly size?: number;
  /** Opens the uncompressed tar; called once per pass. */
  open(): Promise<Readable>;
  /** A verified local copy of the uncompressed tar, if there is one (see LayerSource.storedLayer). */
  stored?(): Promise<string | undefined>;
}

/** Options for flattening. */
export interface FlattenOptions {
  /** Largest regular file accepted from a layer, in bytes (default 64 GiB). */
  readonly maxEntrySize?: number;
  /** Tree paths whose final bytes are captured while writing (e.g. `/etc/passwd`). */
  readonly capture?: readonly string[];
  /** How many layers pass 1 reads at once (default 2). */
  readonly concurrency?: number;
  /** Told of what a layer holds that the tree cannot keep (an ACL naming users by name only). */
  readonly warn?: (message: string) => void;
  /** What reading the layers may cost (limits.ts); each limit has a default. */
  readonly limits?: FlattenLimits;
}

/** What flattening hands on: the index and the bytes of the captured files that exist. */
export interface FlattenResult {
  readonly index: FlattenedIndex;
  readonly captured: ReadonlyMap<string, Uint8Array>;
}
const DEFAULT_MAX_ENTRY_SIZE = 64 * 1024 ** 3;

/** Applies one layer's changes to the index built from the layers below it. */
function applyLayerChanges(index: FlattenedIndex, layer: FlattenLayer, layerNo: number, changes: LayerChanges): void {
  const { opaque, whiteouts, adds } = changes;
  // Hard links resolve as the layer is read: to an earlier entry of this layer, else to the
  // lower layers' tree before this layer's whiteouts (which hide lower layers only and must
  // not break a link this layer makes to a file it also whites out).
  const sameLayer = new Map<string, IndexInode>();
  const resolved = adds.map((add) => {
    let inode = add.inode;
    if (add.link !== undefined) {
      inode = sameLayer.get(add.link) ?? index.get(add.link);
      if (!inode) fail(createDiagnostic(buildCodes.layerHardlinkTarget, 'missing', { ...entryOf(layer, add.name), target: add.link }));
      if (inode.meta.type === 'dir') fail(createDiagnostic(buildCodes.layerHardlinkTarget, 'directory', { ...entryOf(layer, add.name), target: add.link }));
    }
    sameLayer.set(add.path, inode as IndexInode);
    return { ...add, inode: inode as IndexInode };
  });
  for (const dir of opaque) index.clearChildren(dir);
  for (const path of whiteouts) index.removeTree(path);
  for (const add of resolved) {
    const blocker = index.blockingAncestor(add.path);
    if (blocker) fail(createDiagnostic(buildCodes.layerParentNotDirectory, 'below', { ...entryOf(layer, add.name), blocker }));
    index.addImplicitParents(add.path, layerNo, add.position);
    index.put(add.path, add.inode);
  }
}

/**
 * Pass 1: reads every layer's headers into the flattened index. Up to `concurrency` layers are
 * read (decompressed, checked) at once, since no layer's reading depends on another's: the
 * oldest one not yet applied and those just after it. They are applied strictly oldest first,
 * so an error is the one the oldest bad layer gives, as in a serial read.
 */
export async function indexLayers(layers: readonly FlattenLayer[], options: FlattenOptions = {}): Promise<FlattenedIndex> {
  const maxSize = options.maxEntrySize ?? DEFAULT_MAX_ENTRY_SIZE;
  const warn = options.warn ?? (() => undefined);
  const budget = new LayerBudget(layers, options.limits);
  const ahead = Math.max(1, options.concurrency ?? 2);
  const reads: Promise<LayerChanges>[] = [];
  const start = (layerNo: number): void => {
    const layer = layers[layerNo];
    if (!layer || reads[layerNo]) return;
    reads[layerNo] = readLayerChanges(layer, { layerNo, maxSize, budget, warn });
    // Awaited in order below; a later layer's failure must not surface before an earlier one's.
    reads[layerNo].catch(() => undefined);
  };
  for (let n = 0; n < ahead; n++) start(n);
  const index = new FlattenedIndex();
  try {
    for (const [layerNo, layer] of layers.entries()) {
      const changes = await (reads[layerNo] as Promise<LayerChanges>);
      start(layerNo + ahead);
      applyLayerChanges(index, layer, layerNo, changes);
    }
  } finally {
    // No read may outlive the pass (each may be filling the layer cache).
    await Promise.allSettled(reads);
  }
  return index;
}

/** Pass 2: writes the flattened tree into `writer` in the documented order. */
export async function writeFlattened(
  layers: readonly FlattenLayer[],
  index: FlattenedIndex,
  writer: TreeWriter<unknown>,
  options: FlattenOptions = {},
): Promise<FlattenResult> {
  const paths = index.paths();
  const firstPath = new Map<IndexInode, string>();
  const links: string[] = [];
  for (const path of paths) {
    const inode = index.get(path) as IndexInode;
    if (firstPath.has(inode)) links.push(path);
    else firstPath.set(inode, path);
  }
  for (const path of paths) {
    const inode = index.get(path) as IndexInode;
    if (inode.meta.type === 'dir' && firstPath.get(inode) === path) await writer.create(path, inode.meta);
  }
  for (const path of paths) {
    const inode = index.get(path) as IndexInode;
    const t = inode.meta.type;
    if (t !== 'dir' && t !== 'file' && firstPath.get(inode) === path) await writer.create(path, inode.meta);
  }
  // Files by (layer, position): the order the bytes arrive in when each layer is streamed once.
  const filesByLayer = new Map<number, Map<number, { path: string; inode: IndexInode }>>();
  for (const [inode, path] of firstPath) {
    if (inode.meta.type !== 'file') continue;
    let byPos = filesByLayer.get(inode.layer);
    if (!byPos) filesByLayer.set(inode.layer, (byPos = new Map()));
    byPos.set(inode.position, { path, inode });
  }
  const captureWanted = new Map<IndexInode, string[]>();
  for (const want of options.capture ?? []) {
    const hit = index.resolve(want);
    if (hit && hit.inode.meta.type === 'file') captureWanted.set(hit.inode, [...(captureWanted.get(hit.inode) ?? []), want]);
  }
  const captured = new Map<string, Uint8Array>();
  for (const [layerNo, layer] of layers.entries()) {
    const byPos = filesByLayer.get(layerNo);
    if (byPos) await writeLayerFiles(layer, byPos, { writer, capture: captureWanted, captured });
  }
  for (const path of sortPaths(links)) {
    await writer.link(firstPath.get(index.get(path) as IndexInode) as string, path);
  }
  return { index, captured };
}

/** Flattens `layers` (oldest first) into `writer`: pass 1 then pass 2. */
export async function flattenLayers(
  layers: readonly FlattenLayer[],
  writer: TreeWriter<unknown>,
  options: FlattenOptions = {},
): Promise<FlattenResult> {
  const index = await indexLayers(layers, options);
  return writeFlattened(layers, index, writer, options);
}

/** Adapts an image source to flattening's layer list: every layer of `image`, oldest first. */
export function imageLayers(image: ResolvedImage, source: LayerSource, onProgress?: (event: ProgressEvent) => void): FlattenLayer[] {
  return image.layers.map((layer, i) => ({
    digest: layer.digest,
    size: layer.size,
    open: () => source.openLayer(image, i, onProgress),
    ...(source.storedLayer ? { stored: () => (source.storedLayer as NonNullable<LayerSource['storedLayer']>)(image, i) } : {}),
  }));
}
