/** Disk layout: which groups carry superblock copies, block allocation around them, extent runs, and the group math of the size policy. */
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { addExtent, Allocator, GDT_RESERVED } from '../../../src/executor/ext4/disk.js';
import { BLOCKS_PER_GROUP, hasSuperblockBackup, INODES_PER_BLOCK, MAX_EXTENT_LENGTH } from '../../../src/executor/ext4/format/index.js';
import type { Extent } from '../../../src/executor/ext4/format/index.js';
import { journalBlocksFor } from '../../../src/executor/ext4/seal/journal.js';
import { ALIGN_BLOCKS, planLayout } from '../../../src/executor/ext4/seal/layout.js';
import type { Layout } from '../../../src/executor/ext4/seal/layout.js';

const MiB = 1 << 20;
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    if (error instanceof DiagnosticError) return error.diagnostics[0]?.code;
    throw error;
  }
  return undefined;
};

describe('sparse_super', () => {
  it('keeps superblock copies in groups 0, 1 and the powers of 3, 5 and 7', () => {
    const backups = Array.from({ length: 400 }, (_, g) => g).filter(hasSuperblockBackup);
    expect(backups).toEqual([0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125, 243, 343]);
  });
});

describe('the allocator', () => {
  it('starts after the primary superblock and its reserved descriptor blocks', () => {
    expect(new Allocator().allocate(1)).toEqual([{ start: 1 + GDT_RESERVED, len: 1 }]);
  });

  it('skips the reserved region of a group with a superblock copy, splitting the run there', () => {
    const a = new Allocator();
    a.next = BLOCKS_PER_GROUP - 2;
    expect(a.allocate(4)).toEqual([
      { start: BLOCKS_PER_GROUP - 2, len: 2 },
      { start: BLOCKS_PER_GROUP + 1 + GDT_RESERVED, len: 2 },
    ]);
  });

  it('runs straight on into a group without a copy', () => {
    const a = new Allocator();
    a.next = 2 * BLOCKS_PER_GROUP - 2;
    expect(a.allocate(4)).toEqual([{ start: 2 * BLOCKS_PER_GROUP - 2, len: 4 }]);
  });
});

describe('extent runs', () => {
  it('merge when both the logical and the physical block continue, up to the longest extent', () => {
    const extents: Extent[] = [];
    addExtent(extents, 0, { start: 100, len: MAX_EXTENT_LENGTH - 1 });
    addExtent(extents, MAX_EXTENT_LENGTH - 1, { start: 100 + MAX_EXTENT_LENGTH - 1, len: 3 });
    expect(extents).toEqual([
      { logical: 0, start: 100, len: MAX_EXTENT_LENGTH },
      { logical: MAX_EXTENT_LENGTH, start: 100 + MAX_EXTENT_LENGTH, len: 2 },
    ]);
  });

  it('split a long run, and keep a hole or a jump as a new extent', () => {
    const extents: Extent[] = [];
    addExtent(extents, 0, { start: 10, len: 2 * MAX_EXTENT_LENGTH + 1 });
    addExtent(extents, 2 * MAX_EXTENT_LENGTH + 5, { start: 10 + 2 * MAX_EXTENT_LENGTH + 1, len: 1 });
    expect(extents.map((e) => [e.logical, e.len])).toEqual([
      [0, MAX_EXTENT_LENGTH],
      [MAX_EXTENT_LENGTH, MAX_EXTENT_LENGTH],
      [2 * MAX_EXTENT_LENGTH, 1],
      [2 * MAX_EXTENT_LENGTH + 5, 1],
    ]);
  });
});

describe('journal size', () => {
  it.each([
    [0, 1024],
    [32767, 1024],
    [32768, 4096],
    [262143, 4096],
    [262144, 8192],
    [524288, 16384],
  ])('a filesystem of %i blocks gets a journal of %i', (blocks, journal) => {
    expect(journalBlocksFor(blocks)).toBe(journal);
  });
});

/** Every metadata block the layout places is inside the filesystem and clear of the reserved regions; inode tables are contiguous. */
function expectPlaced(layout: Layout, dataEnd: number): void {
  const itable = layout.inodesPerGroup / INODES_PER_BLOCK;
  const places = [...layout.blockBitmaps.map((b) => [b, 1]), ...layout.inodeBitmaps.map((b) => [b, 1]), ...layout.inodeTables.map((b) => [b, itable])];
  for (const [start, len] of places as [number, number][]) {
    expect(start).toBeGreaterThanOrEqual(dataEnd);
    expect(start + len).toBeLessThanOrEqual(layout.blocks);
    for (let b = start; b < start + len; b++) expect(Allocator.reservedEnd(b)).toBeUndefined();
  }
}

describe('group math', () => {
  it('a small image: one group, 2 MiB, group metadata right after the data, 16 spare inodes', () => {
    const layout = planLayout(100, 20, {});
    expect(layout).toMatchObject({ groups: 1, blocks: ALIGN_BLOCKS, gdtBlocks: 1, blockBitmaps: [100], inodeBitmaps: [101], inodeTables: [102] });
    expect(layout.inodesPerGroup).toBe(48);
  });

  it('FREE space is added after the metadata and brings one inode per 16 KiB', () => {
    const layout = planLayout(100, 20, { free: 64 * MiB });
    expect(layout.blocks).toBe(Math.ceil((102 + layout.inodesPerGroup / INODES_PER_BLOCK + (64 * MiB) / 4096) / ALIGN_BLOCKS) * ALIGN_BLOCKS);
    expect(layout.inodesPerGroup).toBe(Math.ceil((20 + (64 * MiB) / 16384) / 16) * 16);
  });

  it('a fixed SIZE is the size, rounded up to 2 MiB; the inodes follow what it leaves free', () => {
    const layout = planLayout(100, 20, { size: 63 * MiB + 1 });
    expect(layout.blocks * 4096).toBe(64 * MiB);
    expect(layout.inodesPerGroup).toBe(Math.ceil((20 + (63 * MiB + 1 - 100 * 4096) / 16384) / 16) * 16);
  });

  it('a SIZE smaller than the content is refused with the size needed', () => {
    expect(code(() => planLayout(1000, 20, { size: 2 * MiB }))).toBe('CUBE3001');
    // 1000 data blocks, 3 of bitmaps and inode table: 1003 blocks, rounded up to 4 MiB.
    expect(() => planLayout(1000, 20, { size: 2 * MiB })).toThrow(/needs 4194304 bytes \(4 MiB\), more than SEAL SIZE 2097152 bytes/);
  });

  it('data past one group means more groups, each with its metadata clear of the superblock copies', () => {
    const dataEnd = BLOCKS_PER_GROUP + 5000;
    const layout = planLayout(dataEnd, 50_000, { free: 512 * MiB });
    expect(layout.groups).toBe(Math.ceil(layout.blocks / BLOCKS_PER_GROUP));
    expect(layout.inodesPerGroup * layout.groups).toBeGreaterThanOrEqual(50_000);
    expect(layout.inodesPerGroup % 16).toBe(0);
    expectPlaced(layout, dataEnd);
  });

  it('more inodes than one group holds means more groups, and blocks up to the last one', () => {
    const layout = planLayout(10, 100_000, {});
    expect(layout.groups).toBe(4);
    expect(layout.inodesPerGroup).toBe(Math.ceil((100_000 + 16) / 4 / 16) * 16);
    // The last group (3) carries a superblock copy: the image reaches past it.
    expect(layout.blocks).toBe(3 * BLOCKS_PER_GROUP + ALIGN_BLOCKS);
    expectPlaced(layout, 10);
  });

  it('when inodes ask for a last group without a superblock copy, the image still reaches into it', () => {
    const layout = planLayout(10, 70_000, {});
    expect(layout.groups).toBe(3);
    expect(layout.blocks).toBe(2 * BLOCKS_PER_GROUP + ALIGN_BLOCKS);
    expectPlaced(layout, 10);
  });

  it('an inode table that would straddle a superblock copy is moved past it', () => {
    const dataEnd = 3 * BLOCKS_PER_GROUP - 10;
    const layout = planLayout(dataEnd, 4096, {});
    expect(layout.inodeBitmaps[layout.groups - 1]).toBeLessThan(3 * BLOCKS_PER_GROUP);
    expect(layout.inodeTables[0]).toBeGreaterThan(3 * BLOCKS_PER_GROUP + GDT_RESERVED);
    expectPlaced(layout, dataEnd);
  });

  it('more groups than the reserved descriptor blocks can describe are refused', () => {
    const groups = (GDT_RESERVED * 4096) / 32;
    expect(code(() => planLayout(groups * BLOCKS_PER_GROUP, 20, {}))).toBe('CUBE3005');
    expect(code(() => planLayout((groups - 1) * BLOCKS_PER_GROUP, 20, {}))).toBeUndefined();
  });
});
