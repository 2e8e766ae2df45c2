/**
 * The report `cube inspect` prints: the image's totals, what each origin adds, the largest
 * directories down to a depth and the largest files. Sizes are given twice: `size`, the bytes
 * the files say they hold, and `allocated`, the bytes of the blocks they take in the image
 * (what takes the space); rankings go by `allocated`. Every origin's share, the filesystem's own
 * metadata included, adds up to the image's used blocks.
 */
import type { Digest } from '../core/digest.js';
import type { Ext4Summary } from '../executor/ext4/index.js';
import type { OriginLabel } from './origins.js';
import { allNodes } from './tree.js';
import type { TreeNode } from './tree.js';

/** How much an origin, a directory or a set of entries takes. */
export interface Weight {
  readonly entries: number;
  readonly size: number;
  readonly allocated: number;
}

/** The report. */
export interface InspectReport {
  readonly image: {
    readonly path: string;
    readonly sha256?: Digest;
    /** Bytes of the image file. */
    readonly size: number;
    readonly blockSize: number;
    readonly blocks: number;
    readonly usedBlocks: number;
    readonly inodes: number;
    readonly usedInodes: number;
  };
  readonly totals: { readonly files: number; readonly directories: number; readonly symlinks: number; readonly other: number; readonly hardLinks: number; readonly size: number; readonly allocated: number };
  /** Every origin with what it adds; `filesystem` last, with the metadata's blocks. */
  readonly origins: readonly (OriginLabel & Weight)[];
  /** The largest directories at depth 1 to `depth`. */
  readonly directories: readonly (Weight & { readonly path: string; readonly depth: number })[];
  /** The largest files, each with the index of its origin in `origins`. */
  readonly largest: readonly { readonly path: string; readonly size: number; readonly allocated: number; readonly origin: number }[];
  /** The options the tables were cut with. */
  readonly top: number;
  readonly depth: number;
}

/** What the report is made from. */
export interface ReportInput {
  readonly path: string;
  readonly sha256?: Digest;
  readonly fileSize: number;
  readonly summary: Ext4Summary;
  readonly tree: TreeNode;
  readonly labels: readonly OriginLabel[];
  readonly top: number;
  readonly depth: number;
}

const byAllocated = <T extends { allocated: number; size: number; path: string }>(a: T, b: T): number => b.allocated - a.allocated || b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Makes the report. */
export function makeReport(input: ReportInput): InspectReport {
  const { summary, tree, labels } = input;
  const totals = { files: 0, directories: 0, symlinks: 0, other: 0, hardLinks: 0, size: 0, allocated: 0 };
  const weights = labels.map(() => ({ entries: 0, size: 0, allocated: 0 }));
  const directories: (Weight & { path: string; depth: number })[] = [];
  const files: { path: string; size: number; allocated: number; origin: number }[] = [];
  for (const node of allNodes(tree)) {
    const weight = weights[node.origin] as { entries: number; size: number; allocated: number };
    weight.entries++;
    weight.size += node.type === 'file' ? node.size : 0;
    weight.allocated += node.allocated;
    totals.allocated += node.allocated;
    if (node.hardLink) totals.hardLinks++;
    else if (node.type === 'file') {
      totals.files++;
      totals.size += node.size;
      files.push({ path: node.path, size: node.size, allocated: node.allocated, origin: node.origin });
    } else if (node.type === 'dir') totals.directories++;
    else if (node.type === 'symlink') totals.symlinks++;
    else totals.other++;
    if (node.type === 'dir' && node.depth >= 1 && node.depth <= input.depth) directories.push({ path: node.path, depth: node.depth, entries: node.total.entries - 1, size: node.total.size, allocated: node.total.allocated });
  }
  const usedBlocks = summary.blocks - summary.freeBlocks;
  // What no entry holds is the filesystem's own: inode tables, bitmaps, the journal, superblocks.
  const filesystem = weights[labels.length - 1] as { allocated: number };
  filesystem.allocated += Math.max(0, usedBlocks * summary.blockSize - totals.allocated);
  return {
    image: {
      path: input.path,
      ...(input.sha256 ? { sha256: input.sha256 } : {}),
      size: input.fileSize,
      blockSize: summary.blockSize,
      blocks: summary.blocks,
      usedBlocks,
      inodes: summary.inodes,
      usedInodes: summary.inodes - summary.freeInodes,
    },
    totals,
    origins: labels.map((label, i) => ({ ...label, ...(weights[i] as Weight) })),
    directories: directories.sort(byAllocated).slice(0, input.top),
    largest: files.sort(byAllocated).slice(0, input.top),
    top: input.top,
    depth: input.depth,
  };
}
