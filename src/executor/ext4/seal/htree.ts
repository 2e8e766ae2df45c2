/**
 * Indexed (htree) directories for `SEAL ext4 dir_index`: entries sorted by their half-MD4 hash
 * into leaf blocks, with a root block (holding `.` and `..`) that indexes the leaves directly,
 * or through one level of index nodes for very large directories. Without metadata_csum the
 * layout is the classic one; with it, every index block ends in a dx tail checksum and every
 * leaf in the directory-block checksum entry.
 */
import { createDiagnostic, DiagnosticError } from '../../../core/diagnostics/index.js';
import { ext4Codes } from '../../../core/diagnostics/codes-ext4.js';
import type { Checksums } from '../csum.js';
import { dirHash } from '../dirhash.js';
import {
  BLOCK_SIZE,
  DIRENT_TAIL_OFFSET,
  direntSize,
  DX_MAX_INDIRECT_LEVELS,
  DX_NODE_ENTRIES_OFFSET,
  DX_ROOT_ENTRIES_OFFSET,
  dxLimit,
  encodeDirent,
  encodeDxNode,
  encodeDxRoot,
  extendDirent,
} from '../format/index.js';
import type { DxIndexEntry } from '../format/index.js';

/** One directory entry. */
export interface DirEntry {
  readonly ino: number;
  readonly name: Buffer;
  readonly type: number;
}

/** A leaf block and the hash it starts at (bit 0 set when it continues the previous leaf's last hash). */
interface Leaf {
  readonly hash: number;
  readonly data: Buffer;
}

/** Packs entries, in hash order, into leaf blocks of `usable` bytes each. */
function htreeLeaves(entries: readonly DirEntry[], hashSeed: Uint8Array, usable: number): Leaf[] {
  const hashed = entries.map((e) => ({ ...e, hash: dirHash(e.name, hashSeed) })).sort((a, b) => a.hash - b.hash || Buffer.compare(a.name, b.name));
  const leaves: Leaf[] = [];
  let block = Buffer.alloc(BLOCK_SIZE);
  let used = 0;
  let last = -1;
  let firstHash = 0;
  let previousHash = -1;
  const close = (): void => {
    extendDirent(block, last, usable);
    leaves.push({ hash: firstHash, data: block });
  };
  for (const e of hashed) {
    const size = direntSize(e.name.length);
    if (last >= 0 && used + size > usable) {
      close();
      block = Buffer.alloc(BLOCK_SIZE);
      used = 0;
      last = -1;
    }
    // A leaf that starts in the middle of a run of equal hashes says so with bit 0, so lookups also search the previous leaf.
    if (last < 0) firstHash = e.hash === previousHash ? (e.hash | 1) >>> 0 : e.hash;
    encodeDirent(block, used, e.ino, size, e.name, e.type);
    last = used;
    used += size;
    previousHash = e.hash;
  }
  if (last >= 0) close();
  return leaves;
}

/** The blocks of an indexed directory, in logical order: root, index nodes, leaves. */
export function htreeBlocks(self: number, parent: number, entries: readonly DirEntry[], hashSeed: Uint8Array, csum: Checksums | undefined): Buffer {
  const leaves = htreeLeaves(entries, hashSeed, csum ? DIRENT_TAIL_OFFSET : BLOCK_SIZE);
  const withTail = csum !== undefined;
  const rootLimit = dxLimit(DX_ROOT_ENTRIES_OFFSET, withTail);
  const nodeLimit = dxLimit(DX_NODE_ENTRIES_OFFSET, withTail);
  const nodes: Buffer[] = [];
  let root: Buffer;
  if (leaves.length <= rootLimit) {
    // Leaves follow the root directly: leaf i is logical block 1 + i.
    root = encodeDxRoot(self, parent, 0, rootLimit, leaves.map((l, i) => ({ hash: l.hash, block: 1 + i })));
    csum?.dxBlock(self, root, DX_ROOT_ENTRIES_OFFSET, rootLimit, leaves.length);
  } else {
    const nodeCount = Math.ceil(leaves.length / nodeLimit);
    if (nodeCount > rootLimit) throw new DiagnosticError(createDiagnostic(ext4Codes.tooLarge, 'htree', { entries: entries.length }));
    // Nodes are logical blocks 1..nodeCount, the leaves follow them.
    const rootEntries: DxIndexEntry[] = [];
    for (let n = 0; n < nodeCount; n++) {
      const chunk = leaves.slice(n * nodeLimit, (n + 1) * nodeLimit);
      const node = encodeDxNode(nodeLimit, chunk.map((l, i) => ({ hash: l.hash, block: 1 + nodeCount + n * nodeLimit + i })));
      csum?.dxBlock(self, node, DX_NODE_ENTRIES_OFFSET, nodeLimit, chunk.length);
      nodes.push(node);
      rootEntries.push({ hash: (chunk[0] as Leaf).hash, block: 1 + n });
    }
    root = encodeDxRoot(self, parent, DX_MAX_INDIRECT_LEVELS, rootLimit, rootEntries);
    csum?.dxBlock(self, root, DX_ROOT_ENTRIES_OFFSET, rootLimit, rootEntries.length);
  }
  for (const leaf of leaves) csum?.directoryBlock(self, leaf.data);
  return Buffer.concat([root, ...nodes, ...leaves.map((l) => l.data)]);
}
