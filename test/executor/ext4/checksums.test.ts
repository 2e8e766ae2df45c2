/**
 * CRC-32C and ext4's metadata checksums against known answers: the published CRC-32C check
 * values, and every kind of checksum an image made by e2fsprogs carries, recomputed by cube.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRC32C_INIT, crc32c } from '../../../src/executor/ext4/crc32c.js';
import { Checksums } from '../../../src/executor/ext4/csum.js';
import {
  BLOCK_SIZE,
  DX_ROOT_ENTRIES_OFFSET,
  DxCountLimit,
  ExtentHeader,
  ExtentLeaf,
  GroupDescriptor,
  Inode,
  INODE_SIZE,
  ROOT_INODE,
  Superblock,
  SUPERBLOCK_OFFSET,
  XattrBlockHeader,
} from '../../../src/executor/ext4/format/index.js';
import { debugfs, mke2fsImage, useImageDir } from '../../helpers/ext4.js';

const dir = useImageDir();

/** The standard CRC-32C: ext4's raw form with the initial and final inversion. */
const standard = (data: Uint8Array): number => (crc32c(CRC32C_INIT, data) ^ 0xffffffff) >>> 0;
const bytes = (f: (i: number) => number): Buffer => Buffer.from(Array.from({ length: 32 }, (_, i) => f(i)));

describe('crc32c', () => {
  it.each([
    ['the check value, "123456789"', Buffer.from('123456789'), 0xe3069283],
    ['no bytes', Buffer.alloc(0), 0],
    ['32 zero bytes (RFC 3720 B.4)', bytes(() => 0), 0x8a9136aa],
    ['32 bytes of 0xff (RFC 3720 B.4)', bytes(() => 0xff), 0x62a8ab43],
    ['32 incrementing bytes (RFC 3720 B.4)', bytes((i) => i), 0x46dd794e],
    ['32 decrementing bytes (RFC 3720 B.4)', bytes((i) => 31 - i), 0x113fdb5c],
  ])('%s', (_, data, expected) => {
    expect(standard(data)).toBe(expected);
  });

  it('continues one checksum across calls, as ext4 chains its seeds', () => {
    const data = Buffer.from('the quick brown fox jumps over the lazy dog');
    for (const cut of [0, 1, 17, data.length]) expect(crc32c(crc32c(CRC32C_INIT, data.subarray(0, cut)), data.subarray(cut))).toBe(crc32c(CRC32C_INIT, data));
  });
});

describe('metadata checksums agree with e2fsprogs', () => {
  let image: Buffer;
  let csum: Checksums;
  const block = (n: number): Buffer => image.subarray(n * BLOCK_SIZE, (n + 1) * BLOCK_SIZE);
  const inode = (ino: number): Buffer => {
    const table = GroupDescriptor.get(block(1), 0, 'inodeTableLo');
    const at = table * BLOCK_SIZE + (ino - 1) * INODE_SIZE;
    return image.subarray(at, at + INODE_SIZE);
  };
  /** The first data block of an inode whose extent tree fits in i_block. */
  const firstBlock = (ino: number): number => {
    const iblock = Inode.get(inode(ino), 0, 'block') as Buffer;
    expect(ExtentHeader.get(iblock, 0, 'depth')).toBe(0);
    return ExtentLeaf.get(iblock, ExtentHeader.size, 'startLo');
  };
  /** Refills a copy's checksum with cube's code; the copy must come out as e2fsprogs wrote it. */
  const expectRecomputed = (original: Buffer, fill: (copy: Buffer) => void): void => {
    const copy = Buffer.from(original);
    fill(copy);
    expect(copy.equals(original)).toBe(true);
  };
  const inodeNumber = async (path: string): Promise<number> => Number(/Inode: (\d+)/.exec(await debugfs(join(dir(), 'mke2fs.ext4'), `stat ${path}`))?.[1]);

  beforeAll(async () => {
    await mke2fsImage(join(dir(), 'mke2fs.ext4'));
    image = await readFile(join(dir(), 'mke2fs.ext4'));
    csum = new Checksums(Superblock.get(image, SUPERBLOCK_OFFSET, 'uuid'));
  });

  it('the superblock', () => {
    expectRecomputed(image.subarray(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + Superblock.size), (sb) => csum.superblock(sb));
  });

  it("group 0's descriptor and the checksums it holds of its bitmaps", () => {
    const gdt = block(1);
    expectRecomputed(gdt.subarray(0, GroupDescriptor.size), (d) => csum.groupDescriptor(0, d, 0));
    const blockBitmap = block(GroupDescriptor.get(gdt, 0, 'blockBitmapLo'));
    const inodeBitmap = block(GroupDescriptor.get(gdt, 0, 'inodeBitmapLo'));
    const inodesPerGroup = Superblock.get(image, SUPERBLOCK_OFFSET, 'inodesPerGroup');
    expect(csum.bitmap(blockBitmap)).toBe(GroupDescriptor.get(gdt, 0, 'blockBitmapChecksumLo'));
    expect(csum.bitmap(inodeBitmap.subarray(0, inodesPerGroup / 8))).toBe(GroupDescriptor.get(gdt, 0, 'inodeBitmapChecksumLo'));
  });

  it('inodes, with attributes in the inode and without', async () => {
    expectRecomputed(inode(ROOT_INODE), (i) => csum.inode(ROOT_INODE, i));
    const d = await inodeNumber('/d');
    expectRecomputed(inode(d), (i) => csum.inode(d, i));
  });

  it('a linear directory block and its tail', () => {
    expectRecomputed(block(firstBlock(ROOT_INODE)), (b) => csum.directoryBlock(ROOT_INODE, b));
  });

  it('an htree root and its dx tail', async () => {
    const big = await inodeNumber('/big');
    const root = block(firstBlock(big));
    const { limit, count } = DxCountLimit.read(root, DX_ROOT_ENTRIES_OFFSET);
    expect(count).toBeGreaterThan(1);
    expectRecomputed(root, (b) => csum.dxBlock(big, b, DX_ROOT_ENTRIES_OFFSET, limit, count));
  });

  it('an xattr block, over its block number', async () => {
    const at = Inode.get(inode(await inodeNumber('/d')), 0, 'fileAclLo');
    expect(XattrBlockHeader.get(block(at), 0, 'refcount')).toBe(1);
    expectRecomputed(block(at), (b) => csum.xattrBlock(at, b));
  });
});
