/**
 * The ext4 writer: a TreeWriter that streams file data straight to its final blocks as it
 * arrives and keeps only metadata in memory; `close` lays out directories, extent trees,
 * attributes, inode tables, bitmaps and superblocks after the data (see seal/index.ts).
 */
import { constants } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import type { FileHandle } from 'node:fs/promises';
import { nameByteLength, nameToBytes } from '../../core/names.js';
import type { EntryMeta, SparseRegion, TreeWriter } from '../../core/tree-writer.js';
import { addExtent, Allocator, BlockWriter, GDT_RESERVED } from './disk.js';
import { metaProblem, pathProblem } from './limits.js';
import type { EntryProblem } from './limits.js';
import { BLOCK_SIZE, BLOCKS_PER_GROUP, FAST_SYMLINK_MAX, hasSuperblockBackup } from './format/index.js';

/** A superblock (or its backup) and the group descriptor blocks reserved after it. */
const SUPERBLOCK_REGION = 1 + GDT_RESERVED;
import { sealImage } from './seal/index.js';
import type { Ext4Options, Ext4Result } from './seal/index.js';
import { makeNode, Tree } from './tree.js';
import type { TreeNode } from './tree.js';

/**
 * Everything the writer holds between calls once no file is open: its tree (metadata and the
 * extents each file's data went to) and the next free block. With the image's blocks below
 * `next`, it is enough to carry on writing as if the calls that made it had just been made.
 */
export interface Ext4WriterState {
  readonly root: TreeNode;
  readonly next: number;
}

/** A TreeWriter into an ext4 image whose state can be taken between calls (see {@link Ext4WriterState}). */
export interface Ext4TreeWriter extends TreeWriter<Ext4Result> {
  /** The writer's state now; its tree is the writer's own, so take it before the next call. */
  state(): Ext4WriterState;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

/** Refuses an entry ext4 cannot hold as it is (see limits.ts). */
function refuse(path: string, problem: EntryProblem | undefined): void {
  if (problem) throw new DiagnosticError(problem(path));
}

function isZero(block: Buffer): boolean {
  return block.length === BLOCK_SIZE ? block.equals(ZERO_BLOCK) : block.every((b) => b === 0);
}

interface OpenFile {
  readonly node: TreeNode;
  readonly regions: readonly SparseRegion[];
  region: number;
  /** Bytes of the current region received so far. */
  done: number;
  /** A partly filled block and its logical block number. */
  pending?: { block: number; data: Buffer };
}

class Ext4Writer implements Ext4TreeWriter {
  readonly #file: FileHandle;
  readonly #options: Ext4Options;
  readonly #tree: Tree;
  readonly #allocator = new Allocator();
  readonly #disk: BlockWriter;
  #open: OpenFile | undefined;
  #closed = false;

  constructor(file: FileHandle, options: Ext4Options, state?: Ext4WriterState) {
    this.#file = file;
    this.#options = options;
    this.#tree = new Tree({ sec: options.timestamp ?? 0, nsec: 0 }, state?.root);
    if (state) this.#allocator.next = state.next;
    this.#disk = new BlockWriter(file);
  }

  state(): Ext4WriterState {
    this.#check();
    return { root: this.#tree.root, next: this.#allocator.next };
  }

  #check(): void {
    if (this.#closed) throw new Error('ext4 writer used after close');
    if (this.#open) {
      const { node, regions } = this.#open;
      throw new Error(`file data incomplete: ${regions.reduce((n, r) => n + r.length, 0)} bytes expected for a ${node.meta.type}`);
    }
  }

  async create(path: string, meta: EntryMeta): Promise<void> {
    this.#check();
    refuse(path, pathProblem(path) ?? metaProblem(meta));
    const node = this.#tree.put(path, makeNode(meta));
    // A target too long for i_block goes in a data block, written now like file data.
    if (meta.type === 'symlink' && nameByteLength(meta.linkTarget ?? '') > FAST_SYMLINK_MAX) {
      await this.#writeBlocks(node, 0, nameToBytes(meta.linkTarget ?? ''));
    }
    if (meta.type !== 'file') return;
    const regions = meta.sparse ?? (meta.size ? [{ offset: 0, length: meta.size }] : []);
    const open: OpenFile = { node, regions: regions.filter((r) => r.length > 0), region: 0, done: 0 };
    if (open.regions.length > 0) this.#open = open;
  }

  async write(data: Uint8Array): Promise<void> {
    let bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    while (bytes.length > 0) {
      const open = this.#open;
      if (!open) throw new Error('ext4 writer: data written with no file open, or more data than the file size');
      const region = open.regions[open.region] as SparseRegion;
      const take = Math.min(bytes.length, region.length - open.done);
      await this.#put(open, region.offset + open.done, bytes.subarray(0, take));
      bytes = bytes.subarray(take);
      open.done += take;
      if (open.done === region.length) {
        open.region++;
        open.done = 0;
        const next = open.regions[open.region];
        const pendingBlock = open.pending?.block;
        if (!next || (pendingBlock !== undefined && Math.floor(next.offset / BLOCK_SIZE) !== pendingBlock)) await this.#flushPending(open);
        if (!next) this.#open = undefined;
      }
    }
  }

  /** Places `bytes` at logical byte `offset` of the open file. */
  async #put(open: OpenFile, offset: number, bytes: Buffer): Promise<void> {
    let at = offset;
    let rest = bytes;
    while (rest.length > 0) {
      const block = Math.floor(at / BLOCK_SIZE);
      const within = at % BLOCK_SIZE;
      if (open.pending && open.pending.block !== block) await this.#flushPending(open);
      if (within !== 0 || rest.length < BLOCK_SIZE || open.pending) {
        open.pending ??= { block, data: Buffer.alloc(BLOCK_SIZE) };
        const n = Math.min(rest.length, BLOCK_SIZE - within);
        rest.copy(open.pending.data, within, 0, n);
        rest = rest.subarray(n);
        at += n;
        if (within + n === BLOCK_SIZE) await this.#flushPending(open);
        continue;
      }
      const whole = Math.floor(rest.length / BLOCK_SIZE) * BLOCK_SIZE;
      await this.#writeBlocks(open.node, block, rest.subarray(0, whole));
      rest = rest.subarray(whole);
      at += whole;
    }
  }

  async #flushPending(open: OpenFile): Promise<void> {
    if (!open.pending) return;
    await this.#writeBlocks(open.node, open.pending.block, open.pending.data);
    open.pending = undefined;
  }

  /** Allocates blocks for `data` at logical block `logical` of `node` and writes it. */
  async #writeBlocks(node: TreeNode, logical: number, data: Buffer): Promise<void> {
    if (this.#options.holes && node.meta.type === 'file') {
      // Runs of all-zero blocks become holes: nothing is allocated or written for them.
      let start = 0;
      for (let b = 0; b * BLOCK_SIZE < data.length; b++) {
        const block = data.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
        if (!isZero(block)) continue;
        if (b > start) await this.#allocateAndWrite(node, logical + start, data.subarray(start * BLOCK_SIZE, b * BLOCK_SIZE));
        start = b + 1;
      }
      if (start * BLOCK_SIZE < data.length) await this.#allocateAndWrite(node, logical + start, data.subarray(start * BLOCK_SIZE));
      return;
    }
    await this.#allocateAndWrite(node, logical, data);
  }

  async #allocateAndWrite(node: TreeNode, logical: number, data: Buffer): Promise<void> {
    const count = Math.ceil(data.length / BLOCK_SIZE);
    let offset = 0;
    let l = logical;
    for (const run of this.#allocator.allocate(count)) {
      const end = Math.min(data.length, offset + run.len * BLOCK_SIZE);
      await this.#disk.write(run.start, data.subarray(offset, end));
      addExtent(node.extents, l, run);
      offset = end;
      l += run.len;
    }
  }

  async link(target: string, path: string): Promise<void> {
    this.#check();
    refuse(path, pathProblem(path));
    const node = this.#tree.get(target);
    if (!node || node.meta.type === 'dir') throw new Error(`ext4 writer: cannot hard-link ${path} to ${target}: ${node ? 'a directory' : 'missing'}`);
    const { dir, name } = this.#tree.parentOf(path);
    dir.children?.set(name, node);
  }

  async remove(path: string): Promise<void> {
    this.#check();
    this.#tree.remove(path);
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }

  async close(): Promise<Ext4Result> {
    this.#check();
    this.#closed = true;
    try {
      return await sealImage({ tree: this.#tree, allocator: this.#allocator, disk: this.#disk, file: this.#file, options: this.#options });
    } finally {
      await this.#file.close();
    }
  }
}

/** Writes an ext4 image to `path` (created or truncated; the caller picks a temporary name and renames). */
export async function createExt4Writer(path: string, options: Ext4Options): Promise<Ext4TreeWriter> {
  const file = await open(path, 'w+', 0o644);
  return new Ext4Writer(file, options);
}

/**
 * The byte ranges below block `end` that hold a superblock or its backup and the group
 * descriptor blocks reserved after it: what sealing writes, as opposed to data.
 */
export function superblockRegions(end: number): [number, number][] {
  const regions: [number, number][] = [];
  for (let g = 0; g * BLOCKS_PER_GROUP < end; g++) {
    if (!hasSuperblockBackup(g)) continue;
    const start = g * BLOCKS_PER_GROUP;
    regions.push([start * BLOCK_SIZE, Math.min(end, start + SUPERBLOCK_REGION) * BLOCK_SIZE]);
  }
  return regions;
}

/**
 * Carries on from `state` into a new image at `path`, made from `base`: an image sealed by a
 * writer that had this state at some point, so its blocks below `state.next` hold the data the
 * state's extents point at. The copy is cut at `state.next` and its superblock regions zeroed
 * (sealing writes them again), so what `path` holds is exactly what the writer that took the state
 * had written then: the same calls from here give the same image, byte for byte.
 */
export async function resumeExt4Writer(path: string, base: string, options: Ext4Options, state: Ext4WriterState): Promise<Ext4TreeWriter> {
  // A reflink where the filesystem has them (XFS, btrfs): then nothing is copied at all.
  await copyFile(base, path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  const file = await open(path, 'r+');
  try {
    await file.truncate(state.next * BLOCK_SIZE);
    const zeros = Buffer.alloc(SUPERBLOCK_REGION * BLOCK_SIZE);
    for (const [start, end] of superblockRegions(state.next)) await file.write(zeros, 0, end - start, start);
  } catch (error) {
    await file.close();
    throw error;
  }
  return new Ext4Writer(file, options, state);
}
