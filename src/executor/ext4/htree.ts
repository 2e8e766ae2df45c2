/**
 * Indexed (htree) directories for `SEAL ext4 dir_index`: entries sorted by their half-MD4 hash
 * into leaf blocks, with a root block (holding `.` and `..`) that indexes the leaves directly,
 * or through one level of index nodes for very large directories. Without metadata_csum the
 * layout is the classic one; with it, every index block ends in a dx_tail checksum and every
 * leaf in the directory-block checksum entry.
 */
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { ext4Codes } from '../../core/diagnostics/codes-ext4.js';
import { crc32c } from './crc32c.js';
import type { Checksums } from './csum.js';
import { DIR_TAIL } from './csum.js';
import { dirHash } from './dirhash.js';
import { BLOCK_SIZE, direntSize, encodeDirent, FileType } from './format.js';

/** One directory entry. */
export interface DirEntry {
  readonly ino: number;
  readonly name: Buffer;
  readonly type: number;
}

const HALF_MD4 = 1;

/** Writes count/limit and the entries of an index block; returns the count offset. */
function writeIndex(block: Buffer, countOffset: number, limit: number, entries: readonly { hash: number; block: number }[]): void {
  block.writeUInt16LE(limit, countOffset);
  block.writeUInt16LE(entries.length, countOffset + 2);
  entries.forEach((e, i) => {
    if (i > 0) block.writeUInt32LE(e.hash >>> 0, countOffset + i * 8);
    block.writeUInt32LE(e.block, countOffset + i * 8 + 4);
  });
}

function dxTail(block: Buffer, countOffset: number, limit: number, count: number, seed: number): void {
  const tail = countOffset + limit * 8;
  block.writeUInt32LE(0, tail);
  let c = crc32c(seed, block.subarray(0, countOffset + count * 8));
  c = crc32c(c, block.subarray(tail, tail + 4));
  c = crc32c(c, Buffer.alloc(4));
  block.writeUInt32LE(c, tail + 4);
}

/** The blocks of an indexed directory, in logical order: root, index nodes, leaves. */
export function htreeBlocks(self: number, parent: number, entries: readonly DirEntry[], hashSeed: Uint8Array, csum: Checksums | undefined): Buffer {
  const usable = csum ? DIR_TAIL : BLOCK_SIZE;
  const hashed = entries.map((e) => ({ ...e, hash: dirHash(e.name, hashSeed) })).sort((a, b) => a.hash - b.hash || Buffer.compare(a.name, b.name));
  // Leaves, each starting at the hash of its first entry (bit 0 set when a hash continues).
  const leaves: { hash: number; data: Buffer }[] = [];
  let block = Buffer.alloc(BLOCK_SIZE);
  let used = 0;
  let last = -1;
  let firstHash = 0;
  let previousHash = -1;
  const close = (): void => {
    block.writeUInt16LE(usable - last, last + 4);
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
    if (last < 0) firstHash = e.hash === previousHash ? (e.hash | 1) >>> 0 : e.hash;
    encodeDirent(block, used, e.ino, size, e.name, e.type);
    last = used;
    used += size;
    previousHash = e.hash;
  }
  if (last >= 0) close();
  const tailBytes = csum ? 8 : 0;
  const rootLimit = (BLOCK_SIZE - 32 - tailBytes) / 8;
  const nodeLimit = (BLOCK_SIZE - 8 - tailBytes) / 8;
  const seed = csum ? csum.inodeSeed(self) : 0;
  const root = Buffer.alloc(BLOCK_SIZE);
  encodeDirent(root, 0, self, 12, Buffer.from('.'), FileType.dir.dirent);
  encodeDirent(root, 12, parent, BLOCK_SIZE - 12, Buffer.from('..'), FileType.dir.dirent);
  root.writeUInt8(HALF_MD4, 24 + 4);
  root.writeUInt8(8, 24 + 5);
  const nodes: Buffer[] = [];
  if (leaves.length <= rootLimit) {
    writeIndex(root, 32, rootLimit, leaves.map((l, i) => ({ hash: l.hash, block: 1 + i })));
    if (csum) dxTail(root, 32, rootLimit, leaves.length, seed);
  } else {
    const nodeCount = Math.ceil(leaves.length / nodeLimit);
    if (nodeCount > rootLimit) throw new DiagnosticError(createDiagnostic(ext4Codes.tooLarge, `a directory of ${entries.length} entries needs more than two index levels`));
    root.writeUInt8(1, 24 + 6);
    const rootEntries: { hash: number; block: number }[] = [];
    for (let n = 0; n < nodeCount; n++) {
      const chunk = leaves.slice(n * nodeLimit, (n + 1) * nodeLimit);
      const node = Buffer.alloc(BLOCK_SIZE);
      node.writeUInt16LE(BLOCK_SIZE, 4); // a fake, empty entry spanning the block
      writeIndex(node, 8, nodeLimit, chunk.map((l, i) => ({ hash: l.hash, block: 1 + nodeCount + n * nodeLimit + i })));
      if (csum) dxTail(node, 8, nodeLimit, chunk.length, seed);
      nodes.push(node);
      rootEntries.push({ hash: (chunk[0] as { hash: number }).hash, block: 1 + n });
    }
    writeIndex(root, 32, rootLimit, rootEntries);
    if (csum) dxTail(root, 32, rootLimit, rootEntries.length, seed);
  }
  for (const leaf of leaves) csum?.directoryBlock(self, leaf.data);
  return Buffer.concat([root, ...nodes, ...leaves.map((l) => l.data)]);
}
