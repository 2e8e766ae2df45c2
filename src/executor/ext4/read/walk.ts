/**
 * The tree of an ext4 image, read-only: every directory's entries (linear or indexed: an htree's
 * index blocks look like empty entries to a linear reader, which is how this one reads them),
 * walked from the root, parents before children and each directory in name-byte order. Names
 * stay bytes; what they mean is the caller's business.
 */
import { Dirent, ROOT_INODE } from '../format/index.js';
import { Ext4Image } from './image.js';
import type { Ext4Summary, InodeFacts } from './image.js';

/** One name in the tree, with its inode's facts. Hard-linked files come once per name, with one `ino`. */
export interface Ext4Entry extends Omit<InodeFacts, 'flags' | 'block'> {
  /** The path's names from the root, as bytes (the root has none). */
  readonly names: readonly Buffer[];
  readonly ino: number;
}

/** An image opened for reading. */
export interface Ext4Reader {
  readonly summary: Ext4Summary;
  /** Every path of the tree, the root first; a damaged image throws CUBE4007 on the way. */
  walk(): AsyncGenerator<Ext4Entry>;
  close(): Promise<void>;
}

/** Blocks of a directory read at once. */
const READ_BLOCKS = 64;

/** A directory entry's record length as stored: 64 KiB blocks keep their full length in 16 bits. */
function recordLength(stored: number, blockSize: number): number {
  if (blockSize < 65536) return stored;
  return stored === 65535 || stored === 0 ? blockSize : (stored & 65532) | ((stored & 3) << 16);
}

/** The names in one directory block, checked entry by entry. */
function blockEntries(image: Ext4Image, ino: number, block: Buffer, blockSize: number, out: { name: Buffer; ino: number }[]): void {
  let at = 0;
  while (at < blockSize) {
    const entry = Dirent.read(block, at);
    const length = recordLength(entry.recLen, blockSize);
    if (length < Dirent.size || length % 4 !== 0 || at + length > blockSize || Dirent.size + entry.nameLen > length) {
      throw image.damaged('dirEntry', { ino, at });
    }
    const name = block.subarray(at + Dirent.size, at + Dirent.size + entry.nameLen);
    const dot = entry.nameLen <= 2 && name.every((b) => b === 0x2e);
    if (entry.inode !== 0 && entry.nameLen > 0 && !dot) out.push({ name: Buffer.from(name), ino: entry.inode });
    at += length;
  }
}

/** The entries of directory `ino` (without `.` and `..`), sorted by name bytes. */
async function directoryEntries(image: Ext4Image, ino: number, inode: InodeFacts): Promise<{ name: Buffer; ino: number }[]> {
  const { blockSize } = image.summary;
  const used = Math.ceil(inode.size / blockSize);
  const out: { name: Buffer; ino: number }[] = [];
  for (const extent of await image.extents(ino, inode)) {
    const len = Math.min(extent.len, used - extent.logical);
    for (let done = 0; done < len; done += READ_BLOCKS) {
      const count = Math.min(READ_BLOCKS, len - done);
      const bytes = await image.readBlocks(extent.start + done, count);
      for (let b = 0; b < count; b++) blockEntries(image, ino, bytes.subarray(b * blockSize, (b + 1) * blockSize), blockSize, out);
    }
  }
  return out.sort((a, b) => Buffer.compare(a.name, b.name));
}

/** Opens the ext4 image at `path` for reading; a file that is not ext4 is CUBE4007. */
export async function openExt4(path: string): Promise<Ext4Reader> {
  const image = await Ext4Image.open(path);
  return {
    summary: image.summary,
    walk: () => walk(image),
    close: () => image.close(),
  };
}

async function* walk(image: Ext4Image): AsyncGenerator<Ext4Entry> {
  const seen = new Set<number>();
  const stack: { names: readonly Buffer[]; ino: number }[] = [{ names: [], ino: ROOT_INODE }];
  while (stack.length > 0) {
    const { names, ino } = stack.pop() as { names: readonly Buffer[]; ino: number };
    const inode = await image.inode(ino);
    if (names.length === 0 && inode.type !== 'dir') throw image.damaged('rootNotDir', {});
    yield { names, ino, type: inode.type, size: inode.size, links: inode.links, allocated: inode.allocated };
    if (inode.type !== 'dir') continue;
    if (seen.has(ino)) throw image.damaged('dirLoop', { ino });
    seen.add(ino);
    const children = await directoryEntries(image, ino, inode);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i] as { name: Buffer; ino: number };
      stack.push({ names: [...names, child.name], ino: child.ino });
    }
  }
}
