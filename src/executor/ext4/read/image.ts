/**
 * Random access to an ext4 image, read-only, through the same field tables the writer fills:
 * the superblock, the group descriptors, any inode by number, and a file's extents. Every number
 * read from the image is checked before it is used (a block past the end, an inode past the
 * count, an extent tree that loops), so a damaged image ends in a diagnostic, never in an
 * exception or a read that does not stop.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createDiagnostic, DiagnosticError } from '../../../core/diagnostics/index.js';
import type { MessageValues } from '../../../core/diagnostics/index.js';
import { runCodes } from '../../../core/diagnostics/codes-run.js';
import type { EntryType } from '../../../core/tree-writer.js';
import {
  EXTENT_MAGIC,
  ExtentHeader,
  ExtentIndex,
  ExtentLeaf,
  FileType,
  GroupDescriptor,
  GroupDescriptorHigh,
  Incompat,
  IncompatReadable,
  Inode,
  InodeFlag,
  MAX_EXTENT_LENGTH,
  RoCompat,
  SECTOR_SIZE,
  Superblock,
  SUPERBLOCK_MAGIC,
  SUPERBLOCK_OFFSET,
} from '../format/index.js';
import type { Extent } from '../format/index.js';
import { formatUuid } from '../seal/options.js';

/** What the superblock says of the whole filesystem. */
export interface Ext4Summary {
  readonly blockSize: number;
  readonly blocks: number;
  readonly freeBlocks: number;
  readonly inodes: number;
  readonly freeInodes: number;
  readonly uuid: string;
  readonly label: string;
}

/** One inode, as far as listing a tree needs it. */
export interface InodeFacts {
  readonly type: EntryType;
  readonly size: number;
  readonly links: number;
  /** Bytes of the blocks the inode holds: data, extent tree blocks and its attribute block (i_blocks). */
  readonly allocated: number;
  readonly flags: number;
  /** The 60-byte i_block: an extent root for files and directories. */
  readonly block: Buffer;
}

/** The deepest extent tree ext4 makes (the kernel's limit). */
const MAX_EXTENT_DEPTH = 5;
/** Inode table bytes read at once: inodes are looked up in directory order, near each other. */
const INODE_CHUNK = 64 * 1024;
const TYPES = new Map<number, EntryType>(Object.entries(FileType).map(([type, t]) => [t.mode, type as EntryType]));
const READABLE_INCOMPAT = Object.values({ ...Incompat, ...IncompatReadable }).reduce((all, bit) => all | bit, 0);

type Unreadable = typeof runCodes.unreadableImage.messages;

/** The diagnostic for an image that cannot be read, naming it. */
function unreadable<K extends keyof Unreadable>(path: string, message: K, values: Omit<MessageValues<Unreadable[K]>, 'path'>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(runCodes.unreadableImage, message, { ...values, path } as MessageValues<Unreadable[K]>));
}

/** An open ext4 image. */
export class Ext4Image {
  readonly summary: Ext4Summary;
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #fileSize: number;
  readonly #inodesPerGroup: number;
  readonly #inodeSize: number;
  readonly #hugeFiles: boolean;
  readonly #inodeTables: readonly number[];
  readonly #chunks = new Map<number, Buffer>();

  private constructor(path: string, file: FileHandle, fileSize: number, f: SuperblockFields, tables: readonly number[]) {
    const { blockSize, wide, blocks } = geometry(f);
    this.#path = path;
    this.#file = file;
    this.#fileSize = fileSize;
    this.#inodesPerGroup = f.inodesPerGroup;
    this.#inodeSize = f.inodeSize;
    this.#hugeFiles = (f.featureRoCompat & RoCompat.hugeFile) !== 0;
    this.#inodeTables = tables;
    const label = Buffer.from(f.volumeName);
    const end = label.indexOf(0);
    this.summary = {
      blockSize,
      blocks,
      freeBlocks: f.freeBlocksCountLo + (wide ? f.freeBlocksCountHi * 2 ** 32 : 0),
      inodes: f.inodesCount,
      freeInodes: f.freeInodesCount,
      uuid: formatUuid(f.uuid),
      label: label.subarray(0, end === -1 ? label.length : end).toString('utf8'),
    };
  }

  /** Opens the image at `path` and checks its superblock; a file that is not ext4 is CUBE4007. */
  static async open(path: string): Promise<Ext4Image> {
    const file = await open(path, 'r');
    try {
      const size = (await file.stat()).size;
      const sb = Buffer.alloc(Superblock.size);
      await file.read(sb, 0, sb.length, SUPERBLOCK_OFFSET);
      const f = Superblock.read(sb);
      if (size < SUPERBLOCK_OFFSET + Superblock.size || f.magic !== SUPERBLOCK_MAGIC) throw unreadable(path, 'notExt4', {});
      const unknown = f.featureIncompat & ~READABLE_INCOMPAT;
      if (unknown !== 0) throw unreadable(path, 'features', { flags: unknown.toString(16) });
      const { blockSize } = geometry(f);
      const sane = f.logBlockSize <= 6 && f.inodesPerGroup > 0 && f.inodesPerGroup <= blockSize * 8 && f.blocksPerGroup > 0 && f.inodeSize >= 128 && f.inodeSize <= blockSize && (f.inodeSize & (f.inodeSize - 1)) === 0;
      if (!sane) throw unreadable(path, 'superblockSizes', {});
      const tables = await inodeTables(path, file, size, f);
      return new Ext4Image(path, file, size, f, tables);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Closes the image file. */
  close(): Promise<void> {
    return this.#file.close();
  }

  /** The diagnostic for damage found in this image. */
  damaged<K extends keyof Unreadable>(message: K, values: Omit<MessageValues<Unreadable[K]>, 'path'>): DiagnosticError {
    return unreadable(this.#path, message, values);
  }

  /** `length` bytes at `offset`; reaching past the end of the file means a damaged or cut image. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset + length > this.#fileSize) throw this.damaged('blockPastImage', { size: this.#fileSize });
    const buffer = Buffer.alloc(length);
    await this.#file.read(buffer, 0, length, offset);
    return buffer;
  }

  /** Blocks `start` to `start + count`. */
  readBlocks(start: number, count: number): Promise<Buffer> {
    if (start + count > this.summary.blocks) throw this.damaged('blockPastFs', { block: start + count - 1, blocks: this.summary.blocks });
    return this.read(start * this.summary.blockSize, count * this.summary.blockSize);
  }

  /** Inode `ino`. */
  async inode(ino: number): Promise<InodeFacts> {
    if (!Number.isInteger(ino) || ino < 1 || ino > this.summary.inodes) throw this.damaged('inodeNumber', { ino, inodes: this.summary.inodes });
    const group = Math.floor((ino - 1) / this.#inodesPerGroup);
    const offset = (this.#inodeTables[group] as number) * this.summary.blockSize + ((ino - 1) % this.#inodesPerGroup) * this.#inodeSize;
    if (offset + this.#inodeSize > this.#fileSize) throw this.damaged('inodePastEnd', { ino });
    const chunk = Math.floor(offset / INODE_CHUNK);
    let bytes = this.#chunks.get(chunk);
    if (!bytes) {
      // An inode never crosses a chunk: inodes are a power of two no larger than a block, and tables start on blocks.
      bytes = await this.read(chunk * INODE_CHUNK, Math.min(INODE_CHUNK, this.#fileSize - chunk * INODE_CHUNK));
      this.#chunks.set(chunk, bytes);
    }
    // A 128-byte inode has only the ext2 fields, which are all this reads; the rest stays zero.
    const raw = Buffer.alloc(Inode.size);
    bytes.copy(raw, 0, offset - chunk * INODE_CHUNK, offset - chunk * INODE_CHUNK + Math.min(this.#inodeSize, Inode.size));
    const f = Inode.read(raw);
    const type = TYPES.get(f.mode & 0o170000);
    if (type === undefined) throw this.damaged('inodeType', { ino, mode: f.mode.toString(8) });
    const units = f.blocksLo + f.blocksHi * 2 ** 32;
    const unit = this.#hugeFiles && (f.flags & InodeFlag.hugeFile) !== 0 ? this.summary.blockSize : SECTOR_SIZE;
    return { type, size: f.sizeLo + f.sizeHi * 2 ** 32, links: f.linksCount, allocated: units * unit, flags: f.flags, block: Buffer.from(f.block) };
  }

  /** The extents of inode `ino` (data runs, in tree order); unwritten extents are left out. */
  async extents(ino: number, inode: InodeFacts): Promise<Extent[]> {
    if ((inode.flags & InodeFlag.extents) === 0) throw this.damaged('noExtents', { ino });
    const out: Extent[] = [];
    const seen = new Set<number>();
    const visit = async (node: Buffer, depth: number | undefined): Promise<void> => {
      const h = ExtentHeader.read(node);
      const fits = ExtentHeader.size + h.entries * ExtentLeaf.size <= node.length;
      if (h.magic !== EXTENT_MAGIC || h.entries > h.max || !fits || h.depth > MAX_EXTENT_DEPTH || (depth !== undefined && h.depth !== depth)) {
        throw this.damaged('extentTree', { ino });
      }
      for (let i = 0; i < h.entries; i++) {
        const at = ExtentHeader.size + i * ExtentLeaf.size;
        if (h.depth === 0) {
          const e = ExtentLeaf.read(node, at);
          const start = e.startLo + e.startHi * 2 ** 32;
          if (e.len > MAX_EXTENT_LENGTH) continue;
          if (start + e.len > this.summary.blocks) throw this.damaged('extentPastEnd', { ino });
          out.push({ logical: e.block, start, len: e.len });
          continue;
        }
        const e = ExtentIndex.read(node, at);
        const child = e.leafLo + e.leafHi * 2 ** 32;
        if (seen.has(child)) throw this.damaged('extentTwice', { ino, block: child });
        seen.add(child);
        await visit(await this.readBlocks(child, 1), h.depth - 1);
      }
    };
    await visit(inode.block, undefined);
    return out;
  }
}

type SuperblockFields = ReturnType<typeof Superblock.read>;

/** The superblock's sizes: ext4 blocks are 1 KiB shifted left by `s_log_block_size`; 64-bit images keep high halves of the counts. */
function geometry(f: SuperblockFields): { readonly blockSize: number; readonly wide: boolean; readonly blocks: number } {
  const wide = (f.featureIncompat & IncompatReadable.bit64) !== 0;
  return { blockSize: 1024 << f.logBlockSize, wide, blocks: f.blocksCountLo + (wide ? f.blocksCountHi * 2 ** 32 : 0) };
}

/** The inode table's first block for each group, from the group descriptors after the superblock. */
async function inodeTables(path: string, file: FileHandle, size: number, f: SuperblockFields): Promise<number[]> {
  const { blockSize, wide, blocks } = geometry(f);
  const descriptorSize = wide ? f.descriptorSize : GroupDescriptor.size;
  const groups = Math.ceil((blocks - f.firstDataBlock) / f.blocksPerGroup);
  if (descriptorSize < GroupDescriptor.size || groups < 1 || f.inodesCount > groups * f.inodesPerGroup) throw unreadable(path, 'superblockGroups', {});
  const at = (f.firstDataBlock + 1) * blockSize;
  if (at + groups * descriptorSize > size) throw unreadable(path, 'descriptorsPastEnd', {});
  const table = Buffer.alloc(groups * descriptorSize);
  await file.read(table, 0, table.length, at);
  const tables: number[] = [];
  for (let g = 0; g < groups; g++) {
    const lo = GroupDescriptor.get(table, g * descriptorSize, 'inodeTableLo');
    const hi = descriptorSize >= GroupDescriptor.size + GroupDescriptorHigh.size ? GroupDescriptorHigh.get(table, g * descriptorSize + GroupDescriptor.size, 'inodeTableHi') : 0;
    const start = lo + hi * 2 ** 32;
    if (start >= blocks) throw unreadable(path, 'inodeTablePastEnd', { group: g });
    tables.push(start);
  }
  return tables;
}
