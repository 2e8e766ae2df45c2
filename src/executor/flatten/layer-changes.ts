/**
 * Pass 1 of flattening, one layer at a time: each member's header read and checked on its own
 * (hostile paths, the limits, ids and pax records cube can keep, what ext4 can hold) into the
 * changes the layer makes: opaque directories, whiteouts, and entries with their inodes. Applying
 * them needs the layers below, and happens in flatten.ts.
 */
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import type { Digest } from '../../core/digest.js';
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
import type { SparseMap, SparseProblem } from './sparse.js';
import { baseName, droppedAcls, headerToMeta, isPaxSparse, normaliseLayerPath, paxProblem, parentPath, tarKind } from './tar-entry.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_ID = 2 ** 32 - 1;

/** How much of an entry's name a message shows: a hostile name can be megabytes long. */
const SHOWN_NAME = 512;

/** An entry as diagnostics name it: its layer's digest and its name, cut short when long. */
export function entryOf(layer: FlattenLayer, name: string): { readonly digest: Digest; readonly name: string } {
  return { digest: layer.digest, name: name.length > SHOWN_NAME ? `${name.slice(0, SHOWN_NAME)}…` : name };
}

export function fail(diagnostic: Diagnostic): never {
  throw new DiagnosticError(diagnostic);
}

/** Fails on what the image cannot hold as the layer says it (ext4's limits), naming the layer and the entry. */
function refuse(problem: EntryProblem | undefined, layer: FlattenLayer, name: string): void {
  const { digest, name: shown } = entryOf(layer, name);
  if (problem) fail(problem(`layer ${digest}: entry "${shown}"`));
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
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) fail(createDiagnostic(buildCodes.layerUnsupportedEntry, 'badId', { ...entryOf(layer, name), field: what, value: header.pax?.[what] ?? String(id) }));
  }
  const problem = paxProblem(header.pax);
  if (problem) fail(createDiagnostic(buildCodes.layerUnsupportedEntry, problem.message, { ...entryOf(layer, name), ...problem }));
  for (const record of droppedAcls(header.pax)) {
    reading.warn(`layer ${layer.digest}: entry "${escapeName(name)}": its ${record} names users or groups only by name, which ext4 cannot store; the ACL was dropped (its mode bits are kept)`);
  }
  const at = kind === 'file' && header.byteOffset !== undefined ? { dataAt: header.byteOffset } : {};
  const inode: IndexInode = sparse
    ? { meta: { ...meta, size: sparse.realSize, sparse: sparse.regions }, layer: reading.layerNo, position, explicit: true, dataOffset: sparse.mapBytes, ...at }
    : { meta, layer: reading.layerNo, position, explicit: true, ...at };
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
      sparse = await readSparseMap(header, data, (why: SparseProblem) => fail(createDiagnostic(buildCodes.layerUnsupportedEntry, why, entryOf(layer, header.name))));
      header = { ...header, name: sparse.name };
    }
    data.resume();
    const name = header.name;
    const norm = normaliseLayerPath(name, reading.budget.maxPathDepth);
    if ('problem' in norm) {
      if (norm.problem === 'absolute') fail(createDiagnostic(buildCodes.layerAbsolutePath, 'absolute', entryOf(layer, name)));
      if (norm.problem === 'deep') fail(createDiagnostic(buildCodes.layerPathTooDeep, 'deep', { ...entryOf(layer, name), limit: reading.budget.maxPathDepth }));
      fail(createDiagnostic(buildCodes.layerPathEscape, 'climbs', entryOf(layer, name)));
    }
    const kind = tarKind(header.type);
    if (!kind) fail(createDiagnostic(buildCodes.layerUnsupportedEntry, 'tarType', { ...entryOf(layer, name), type: String(header.type) }));
    const base = baseName(norm.path);
    if (base === OPAQUE) {
      opaque.push(parentPath(norm.path));
      continue;
    }
    if (base.startsWith(WHITEOUT)) {
      whiteouts.push(parentPath(norm.path) === '/' ? '/' + base.slice(WHITEOUT.length) : `${parentPath(norm.path)}/${base.slice(WHITEOUT.length)}`);
      continue;
    }
    if (norm.path === '/' && kind !== 'dir') fail(createDiagnostic(buildCodes.layerPathEscape, 'root', entryOf(layer, name)));
    refuse(pathProblem(norm.path), layer, name);
    if (kind === 'file' && (header.size ?? 0) > reading.maxSize) {
      fail(createDiagnostic(buildCodes.layerEntryTooLarge, 'tooLarge', { ...entryOf(layer, name), size: header.size ?? 0, limit: reading.maxSize }));
    }
    if (kind === 'hardlink') {
      const target = normaliseLayerPath(header.linkname ?? '', reading.budget.maxPathDepth);
      if ('problem' in target) fail(createDiagnostic(buildCodes.layerHardlinkTarget, 'outside', { ...entryOf(layer, name), target: header.linkname ?? '' }));
      adds.push({ path: norm.path, name, position: pos, link: target.path });
    } else {
      adds.push({ path: norm.path, name, position: pos, inode: inodeOf(header, kind, sparse, layer, pos, reading) });
    }
  }
  return { opaque, whiteouts, adds };
}
