/**
 * Directory contents, the second sealing step: each directory's entries encoded as linear
 * blocks (`.`, `..`, then names in byte order), or as an htree when dir_index is on and they
 * outgrow one block, and written after the file data.
 */
import type { Checksums } from '../csum.js';
import { addExtent } from '../disk.js';
import type { BlockSpace } from '../disk.js';
import { BLOCK_SIZE, DIRENT_TAIL_OFFSET, direntSize, encodeDirent, extendDirent, FileType, InodeFlag } from '../format/index.js';
import type { Extent } from '../format/index.js';
import { nameToBytes } from '../../../core/names.js';
import { htreeBlocks } from './htree.js';
import type { DirEntry } from './htree.js';
import { sortedNames } from './inodes.js';
import type { NumberedInode, Numbering } from './inodes.js';

/** An inode whose data blocks are all placed: files and slow symlinks as streamed, directories as written here. */
export interface PlacedInode extends NumberedInode {
  readonly extents: readonly Extent[];
  /** Inode flags so far (the htree flag for indexed directories). */
  readonly flags: number;
}

/** What a directory's blocks are encoded with. */
export interface DirectoryFormat {
  readonly hashSeed: Uint8Array;
  readonly csum: Checksums | undefined;
  readonly dirIndex: boolean;
}

/** A directory's encoded blocks, in logical order. */
interface DirectoryData {
  readonly data: Buffer;
  readonly indexed: boolean;
}

/** The entries of `dir` in name order, each name as its bytes (the writer refused names ext4 cannot hold). */
function directoryEntries(dir: NumberedInode, numbering: Numbering): DirEntry[] {
  return sortedNames(dir.node).map((name) => {
    const child = dir.node.children?.get(name);
    if (!child) throw new Error(`directory entry ${name} vanished`);
    return { ino: numbering.inoOf.get(child) as number, name: nameToBytes(name), type: FileType[child.meta.type].dirent };
  });
}

/** Linear directory blocks: `.`, `..`, then `entries`; with checksums the last 12 bytes of each block hold the tail. */
export function linearBlocks(self: number, parent: number, entries: readonly DirEntry[], csum: Checksums | undefined): Buffer {
  const usable = csum ? DIRENT_TAIL_OFFSET : BLOCK_SIZE;
  const all: DirEntry[] = [
    { ino: self, name: Buffer.from('.'), type: FileType.dir.dirent },
    { ino: parent, name: Buffer.from('..'), type: FileType.dir.dirent },
    ...entries,
  ];
  const blocks: Buffer[] = [];
  let block = Buffer.alloc(BLOCK_SIZE);
  let used = 0;
  let last = -1;
  const close = (): void => {
    // The last entry of a block owns the rest of it.
    extendDirent(block, last, usable);
    csum?.directoryBlock(self, block);
    blocks.push(block);
  };
  for (const e of all) {
    const size = direntSize(e.name.length);
    if (used + size > usable) {
      close();
      block = Buffer.alloc(BLOCK_SIZE);
      used = 0;
    }
    encodeDirent(block, used, e.ino, size, e.name, e.type);
    last = used;
    used += size;
  }
  close();
  return Buffer.concat(blocks);
}

/** Encodes one directory: linear, or an htree when dir_index is on and the linear form needs more than one block. */
export function encodeDirectory(dir: NumberedInode, numbering: Numbering, format: DirectoryFormat): DirectoryData {
  const entries = directoryEntries(dir, numbering);
  const linear = linearBlocks(dir.ino, dir.parent, entries, format.csum);
  // dir_index: a directory that outgrows one block is written as an htree, as the kernel would.
  if (format.dirIndex && linear.length > BLOCK_SIZE) return { data: htreeBlocks(dir.ino, dir.parent, entries, format.hashSeed, format.csum), indexed: true };
  return { data: linear, indexed: false };
}

/** Allocates blocks for `data`, writes it, and returns its extents. */
async function placeData(space: BlockSpace, data: Buffer): Promise<Extent[]> {
  const extents: Extent[] = [];
  let offset = 0;
  let logical = 0;
  for (const run of space.allocator.allocate(data.length / BLOCK_SIZE)) {
    await space.disk.write(run.start, data.subarray(offset, offset + run.len * BLOCK_SIZE));
    addExtent(extents, logical, run);
    offset += run.len * BLOCK_SIZE;
    logical += run.len;
  }
  return extents;
}

/** Writes every directory's blocks (in inode order) and returns all inodes with their data placed. */
export async function placeDirectories(numbering: Numbering, space: BlockSpace, format: DirectoryFormat): Promise<PlacedInode[]> {
  const placed: PlacedInode[] = [];
  for (const inode of numbering.inodes) {
    const { node, ino, links, parent } = inode;
    // Object literals, not spreads: this runs once per inode, and spreads of this size are slow.
    if (node.meta.type !== 'dir') {
      placed.push({ node, ino, links, parent, extents: node.extents, flags: 0 });
      continue;
    }
    const { data, indexed } = encodeDirectory(inode, numbering, format);
    placed.push({ node, ino, links, parent, extents: await placeData(space, data), flags: indexed ? InodeFlag.index : 0 });
  }
  return placed;
}
