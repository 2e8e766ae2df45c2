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
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { CatalogEntry } from '../../core/diagnostics/catalog-entry.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource, ProgressEvent, ResolvedImage } from '../../core/image.js';
import { escapeName } from '../../core/names.js';
import type { EntryType, TreeWriter } from '../../core/tree-writer.js';
import { metaProblem, pathProblem } from '../ext4/index.js';
import type { EntryProblem } from '../ext4/index.js';
import { FlattenedIndex, sortPaths } from './flattened-index.js';
import type { IndexInode } from './flattened-index.js';
import { LayerBudget } from './limits.js';
import type { FlattenLimits } from './limits.js';
import { membersAt, readLayerMembers } from './read-layer.js';
import type { TarHeader } from './read-layer.js';
import { readSparseMap } from './sparse.js';
import type { SparseMap } from './sparse.js';
import { baseName, droppedAcls, headerToMeta, isPaxSparse, normaliseLayerPath, paxProblem, parentPath, tarKind } from './tar-entry.js';

/** One layer to flatten: its identity for messages and a way to open its uncompressed tar. */
export interface FlattenLayer {
  /** The digest named in diagnostics (the blob digest or diffId). */
  readonly digest: Digest;
  /** The layer's compressed size as its descriptor gives it: the default byte limits are a multiple of it. */
  readonly size?: number;
  /** Opens the uncompressed tar; called once per pass. */
  open(): Promise<Readable>;
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

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const DEFAULT_MAX_ENTRY_SIZE = 64 * 1024 ** 3;
const MAX_ID = 2 ** 32 - 1;

/** How much of an entry's name a message shows: a hostile name can be megabytes long. */
const SHOWN_NAME = 512;

function fail(entry: CatalogEntry, layer: FlattenLayer, name: string, what: string): never {
  const shown = name.length > SHOWN_NAME ? `${name.slice(0, SHOWN_NAME)}…` : name;
  throw new DiagnosticError(createDiagnostic(entry, `layer ${layer.digest}: entry "${shown}" ${what}`));
}

/** Fails on what the image cannot hold as the layer says it (ext4's limits), naming the layer and the entry. */
function refuse(problem: EntryProblem | undefined, layer: FlattenLayer, name: string): void {
  if (problem) fail(problem.entry, layer, name, problem.what);
}

/** One layer's headers, read and checked: what applying the layer does to the tree. */
interface LayerChanges {
  readonly opaque: readonly string[];
  readonly whiteouts: readonly string[];
  readonly adds: readonly { path: string; name: string; position: number; link?: string; inode?: IndexInode }[];
}

/** What reading one layer needs besides the layer: its number, the limits and where warnings go. */
interface LayerReading {
  readonly layerNo: number;
  readonly maxSize: number;
  readonly budget: LayerBudget;
  readonly warn: (message: string) => void;
}

/** Bytes a member takes in the tar: its header and its data padded to 512 (pax headers come on top). */
function memberBytes(size: number): number {
  return 512 + Math.ceil(size / 512) * 512;
}

/** The inode a non-link entry adds, checked: 32-bit ids, pax records cube can keep, what ext4 can hold. */
function inodeOf(header: TarHeader, kind: EntryType, sparse: SparseMap | undefined, layer: FlattenLayer, position: number, reading: LayerReading): IndexInode {
  const name = header.name;
  const meta = headerToMeta(header, kind);
  for (const [what, id] of [['uid', meta.uid], ['gid', meta.gid]] as const) {
    // ext4 keeps 32-bit ids; anything else (pax allows any text) would be cut to another id.
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) fail(buildCodes.layerUnsupportedEntry, layer, name, `has ${what} "${header.pax?.[what] ?? String(id)}", which is not a 32-bit id`);
  }
  const problem = paxProblem(header.pax);
  if (problem) fail(buildCodes.layerUnsupportedEntry, layer, name, problem);
  for (const record of droppedAcls(header.pax)) {
    reading.warn(`layer ${layer.digest}: entry "${escapeName(name)}": its ${record} names users or groups only by name, which ext4 cannot store; the ACL was dropped (its mode bits are kept)`);
  }
  const inode: IndexInode = sparse
    ? { meta: { ...meta, size: sparse.realSize, sparse: sparse.regions }, layer: reading.layerNo, position, explicit: true, dataOffset: sparse.mapBytes }
    : { meta, layer: reading.layerNo, position, explicit: true };
  refuse(metaProblem(inode.meta), layer, name);
  return inode;
}

/** Reads one layer's headers; checks every entry that can be checked without the layers below. */
async function readLayerChanges(layer: FlattenLayer, reading: LayerReading): Promise<LayerChanges> {
  const opaque: string[] = [];
  const whiteouts: string[] = [];
  const adds: { path: string; name: string; position: number; link?: string; inode?: IndexInode }[] = [];
  const metered = reading.budget.metered(layer, await layer.open());
  let position = 0;
  // Bytes the layer is known to hold so far (pax headers uncounted): a member whose declared size takes it past its limit is refused before its data is read.
  let known = 0;
  for await (const member of readLayerMembers(metered.stream, layer.digest)) {
    const { data } = member;
    const pos = position++;
    reading.budget.entry(layer);
    metered.expect(known, memberBytes(member.header.size ?? 0));
    known += memberBytes(member.header.size ?? 0);
    let header = member.header;
    let sparse: SparseMap | undefined;
    if (isPaxSparse(header.pax)) {
      sparse = await readSparseMap(header, data, (why) => fail(buildCodes.layerUnsupportedEntry, layer, header.name, why));
      header = { ...header, name: sparse.name };
    }
    data.resume();
    const name = header.name;
    const norm = normaliseLayerPath(name, reading.budget.maxPathDepth);
    if ('problem' in norm) {
      if (norm.problem === 'absolute') fail(buildCodes.layerAbsolutePath, layer, name, 'has an absolute path');
      if (norm.problem === 'deep') fail(buildCodes.layerPathTooDeep, layer, name, `is more than ${reading.budget.maxPathDepth} directories deep (the limit; raise it with --max-path-depth)`);
      fail(buildCodes.layerPathEscape, layer, name, 'climbs out of the root filesystem');
    }
    const kind = tarKind(header.type);
    if (!kind) fail(buildCodes.layerUnsupportedEntry, layer, name, `has unsupported tar type "${String(header.type)}"`);
    const base = baseName(norm.path);
    if (base === OPAQUE) {
      opaque.push(parentPath(norm.path));
      continue;
    }
    if (base.startsWith(WHITEOUT)) {
      whiteouts.push(parentPath(norm.path) === '/' ? '/' + base.slice(WHITEOUT.length) : `${parentPath(norm.path)}/${base.slice(WHITEOUT.length)}`);
      continue;
    }
    if (norm.path === '/' && kind !== 'dir') fail(buildCodes.layerPathEscape, layer, name, 'replaces the root directory');
    refuse(pathProblem(norm.path), layer, name);
    if (kind === 'file' && (header.size ?? 0) > reading.maxSize) {
      fail(buildCodes.layerEntryTooLarge, layer, name, `is ${header.size} bytes, above the limit of ${reading.maxSize}`);
    }
    if (kind === 'hardlink') {
      const target = normaliseLayerPath(header.linkname ?? '', reading.budget.maxPathDepth);
      if ('problem' in target) fail(buildCodes.layerHardlinkTarget, layer, name, `links to "${header.linkname}" outside the tree`);
      adds.push({ path: norm.path, name, position: pos, link: target.path });
    } else {
      adds.push({ path: norm.path, name, position: pos, inode: inodeOf(header, kind, sparse, layer, pos, reading) });
    }
  }
  return { opaque, whiteouts, adds };
}

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
      if (!inode) fail(buildCodes.layerHardlinkTarget, layer, add.name, `links to "${add.link}", which does not exist (missing or whited out)`);
      if (inode.meta.type === 'dir') fail(buildCodes.layerHardlinkTarget, layer, add.name, `links to directory "${add.link}"`);
    }
    sameLayer.set(add.path, inode as IndexInode);
    return { ...add, inode: inode as IndexInode };
  });
  for (const dir of opaque) index.clearChildren(dir);
  for (const path of whiteouts) index.removeTree(path);
  for (const add of resolved) {
    const blocker = index.blockingAncestor(add.path);
    if (blocker) fail(buildCodes.layerParentNotDirectory, layer, add.name, `lies below "${blocker}", which is not a directory`);
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
    if (!byPos) continue;
    let written = 0;
    for await (const { header, data, value: hit } of membersAt(await layer.open(), layer.digest, byPos)) {
      const stored = hit.inode.meta.sparse ? (hit.inode.dataOffset ?? 0) + hit.inode.meta.sparse.reduce((n, r) => n + r.length, 0) : hit.inode.meta.size;
      if ((header.size ?? 0) !== stored) fail(buildCodes.layerChanged, layer, header.name, 'changed size between reads');
      await writer.create(hit.path, hit.inode.meta);
      const keep = captureWanted.get(hit.inode);
      const chunks: Buffer[] = [];
      // A sparse member's data starts with its map, which pass 1 already read.
      let skip = hit.inode.dataOffset ?? 0;
      for await (const whole of data) {
        const chunk = skip > 0 ? whole.subarray(Math.min(skip, whole.length)) : whole;
        skip = Math.max(0, skip - whole.length);
        if (chunk.length === 0) continue;
        await writer.write(chunk);
        if (keep) chunks.push(chunk);
      }
      if (keep) for (const p of keep) captured.set(p, Buffer.concat(chunks));
      written++;
    }
    if (written !== byPos.size) fail(buildCodes.layerChanged, layer, '(layer)', 'had fewer members on the second read');
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
  return image.layers.map((layer, i) => ({ digest: layer.digest, size: layer.size, open: () => source.openLayer(image, i, onProgress) }));
}
