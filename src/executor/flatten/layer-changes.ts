/**
 * Pass 1 of flattening, one layer at a time: each member's header read and checked on its own
 * (hostile paths, the limits, ids and pax records cube can keep, what ext4 can hold) into the
 * changes the layer makes: opaque directories, whiteouts, and entries with their inodes. Applying
 * them needs the layers below, and happens in flatten.ts.
 */
import type { CatalogEntry } from '../../core/diagnostics/catalog-entry.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { escapeName } from '../../core/names.js';
import type { EntryType } from '../../core/tree-writer.js';
import { metaProblem, pathProblem } from '../ext4/index.js';
import type { EntryProblem } from '../ext4/index.js';
import type { FlattenLayer } from './flatten.js';
import type { IndexInode } from './flattened-index.js';
import type { LayerBudget } from './limits.js';
import { readLayerMembers } from './read-layer.js';
import type { TarHeader } from './read-layer.js';
import { readSparseMap } from './sparse.js';
import type { SparseMap } from './sparse.js';
import { baseName, droppedAcls, headerToMeta, isPaxSparse, normaliseLayerPath, paxProblem, parentPath, tarKind } from './tar-entry.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_ID = 2 ** 32 - 1;

/** How much of an entry's name a message shows: a hostile name can be megabytes long. */
const SHOWN_NAME = 512;

export function fail(entry: CatalogEntry, layer: FlattenLayer, name: string, what: string): never {
  const shown = name.length > SHOWN_NAME ? `${name.slice(0, SHOWN_NAME)}…` : name;
  throw new DiagnosticError(createDiagnostic(entry, `layer ${layer.digest}: entry "${shown}" ${what}`));
}

/** Fails on what the image cannot hold as the layer says it (ext4's limits), naming the layer and the entry. */
function refuse(problem: EntryProblem | undefined, layer: FlattenLayer, name: string): void {
  if (problem) fail(problem.entry, layer, name, problem.what);
}

/** One layer's headers, read and checked: what applying the layer does to the tree. */
export interface LayerChanges {
  readonly opaque: readonly string[];
  readonly whiteouts: readonly string[];
  readonly adds: readonly { path: string; name: string; position: number; link?: string; inode?: IndexInode }[];
}

/** What reading one layer needs besides the layer: its number, the limits and where warnings go. */
export interface LayerReading {
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
export async function readLayerChanges(layer: FlattenLayer, reading: LayerReading): Promise<LayerChanges> {
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
