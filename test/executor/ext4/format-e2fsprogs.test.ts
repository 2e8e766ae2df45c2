/**
 * The field tables against an image e2fsprogs made: each table must read back what dumpe2fs and
 * debugfs say is there, so every offset is checked against a writer other than cube's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  Compat,
  Dirent,
  DIRENT_TAIL_FILE_TYPE,
  DIRENT_TAIL_OFFSET,
  DirentTail,
  DX_ROOT_ENTRIES_OFFSET,
  DX_ROOT_INFO_OFFSET,
  DxCountLimit,
  dxLimit,
  DxRootInfo,
  EXTENT_MAGIC,
  ExtentHeader,
  ExtentLeaf,
  GroupDescriptor,
  Incompat,
  Inode,
  INODE_SIZE,
  InodeFlag,
  JBD2_MAGIC,
  JBD2_SUPERBLOCK_V2,
  JOURNAL_INODE,
  JournalSuperblock,
  ROOT_INODE,
  RoCompat,
  Superblock,
  SUPERBLOCK_MAGIC,
  SUPERBLOCK_OFFSET,
  XATTR_MAGIC,
  XattrBlockHeader,
  XattrEntryHeader,
  XattrIndex,
  XattrInodeHeader,
} from '../../../src/executor/ext4/format/index.js';
import { encodeBlock, entryHash, xattrEntries } from '../../../src/executor/ext4/seal/xattrs.js';
import { debugfs, MKE2FS_BIG_ENTRIES, MKE2FS_UUID, mke2fsImage, useImageDir } from '../../helpers/ext4.js';

const dir = useImageDir();
let path: string;
let image: Buffer;
let dump: string;
const block = (n: number): Buffer => image.subarray(n * BLOCK_SIZE, (n + 1) * BLOCK_SIZE);
const field = (name: string): string => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(dump)?.[1]?.trim() ?? '';
const inode = (ino: number): Buffer => {
  const at = GroupDescriptor.get(block(1), 0, 'inodeTableLo') * BLOCK_SIZE + (ino - 1) * INODE_SIZE;
  return image.subarray(at, at + INODE_SIZE);
};
const firstBlock = (ino: number): number => ExtentLeaf.get(Inode.get(inode(ino), 0, 'block') as Buffer, ExtentHeader.size, 'startLo');
const inodeNumber = async (p: string): Promise<number> => Number(/Inode: (\d+)/.exec(await debugfs(path, `stat ${p}`))?.[1]);

beforeAll(async () => {
  path = join(dir(), 'mke2fs.ext4');
  await mke2fsImage(path);
  image = await readFile(path);
  dump = (await execa('dumpe2fs', [path])).stdout;
});

describe('the tables read an image e2fsprogs wrote', () => {
  it('superblock', () => {
    const sb = Superblock.read(image, SUPERBLOCK_OFFSET);
    expect(sb.magic).toBe(SUPERBLOCK_MAGIC);
    expect([sb.inodesCount, sb.blocksCountLo, sb.blocksPerGroup, sb.inodesPerGroup, sb.freeBlocksCountLo, sb.freeInodesCount]).toEqual(
      ['Inode count', 'Block count', 'Blocks per group', 'Inodes per group', 'Free blocks', 'Free inodes'].map((f) => Number(field(f))),
    );
    expect([sb.firstInode, sb.inodeSize, sb.journalInode, sb.minExtraIsize, sb.wantExtraIsize]).toEqual([11, 256, 8, 32, 32]);
    expect(Buffer.from(sb.uuid).toString('hex')).toBe(MKE2FS_UUID.replaceAll('-', ''));
    expect(Buffer.from(sb.hashSeed).toString('hex')).toBe(field('Directory Hash Seed').replaceAll('-', ''));
    expect(sb.checksum).toBe(Number(field('Checksum')));
    expect(sb.featureCompat & (Compat.hasJournal | Compat.extAttr | Compat.dirIndex)).toBe(Compat.hasJournal | Compat.extAttr | Compat.dirIndex);
    expect(sb.featureIncompat & (Incompat.filetype | Incompat.extents | Incompat.flexBg)).toBe(Incompat.filetype | Incompat.extents | Incompat.flexBg);
    expect(sb.featureRoCompat & (RoCompat.sparseSuper | RoCompat.metadataCsum | RoCompat.extraIsize)).toBe(RoCompat.sparseSuper | RoCompat.metadataCsum | RoCompat.extraIsize);
    expect(2 ** sb.logGroupsPerFlex).toBe(Number(field('Flex block group size')));
  });

  it('group descriptor', () => {
    const gd = GroupDescriptor.read(block(1), 0);
    const group0 = /^Group 0:[\s\S]*?Block bitmap at (\d+)[\s\S]*?Inode bitmap at (\d+)[\s\S]*?Inode table at (\d+)-[\s\S]*?(\d+) free blocks, (\d+) free inodes, (\d+) directories/m.exec(dump);
    expect([gd.blockBitmapLo, gd.inodeBitmapLo, gd.inodeTableLo, gd.freeBlocksCountLo, gd.freeInodesCountLo, gd.usedDirsCountLo]).toEqual(group0?.slice(1).map(Number));
  });

  it('inode, extent header and leaf, linear directory block and tail', async () => {
    const root = Inode.read(inode(ROOT_INODE));
    const stat = await debugfs(path, 'stat /');
    expect(root.mode).toBe(0o40000 | parseInt(/Mode:\s+(\d+)/.exec(stat)?.[1] ?? '', 8));
    expect(root.linksCount).toBe(Number(/Links: (\d+)/.exec(stat)?.[1]));
    expect(root.flags & InodeFlag.extents).toBe(InodeFlag.extents);
    expect(ExtentHeader.read(root.block as Buffer)).toMatchObject({ magic: EXTENT_MAGIC, entries: 1, depth: 0 });
    expect(ExtentLeaf.read(root.block as Buffer, ExtentHeader.size)).toMatchObject({ block: 0, startLo: Number(/\(0\):(\d+)/.exec(stat)?.[1]) });
    const data = block(firstBlock(ROOT_INODE));
    expect(Dirent.read(data, 0)).toEqual({ inode: ROOT_INODE, recLen: 12, nameLen: 1, fileType: 2 });
    expect(Dirent.read(data, 12)).toMatchObject({ inode: ROOT_INODE, nameLen: 2, fileType: 2 });
    expect(DirentTail.read(data, DIRENT_TAIL_OFFSET)).toMatchObject({ recLen: 12, reservedFileType: DIRENT_TAIL_FILE_TYPE });
  });

  it('dx root info and count/limit', async () => {
    const big = await inodeNumber('/big');
    const root = block(firstBlock(big));
    expect(Inode.get(inode(big), 0, 'flags') & InodeFlag.index).toBe(InodeFlag.index);
    const htree = await debugfs(path, 'htree_dump /big');
    expect(DxRootInfo.read(root, DX_ROOT_INFO_OFFSET)).toEqual({ reservedZero: 0, hashVersion: Number(/Hash Version: (\d+)/.exec(htree)?.[1]), infoLength: 8, indirectLevels: 0, unusedFlags: 0 });
    const { limit, count } = DxCountLimit.read(root, DX_ROOT_ENTRIES_OFFSET);
    expect(limit).toBe(dxLimit(DX_ROOT_ENTRIES_OFFSET, true));
    expect(count).toBe(Number(/count\): (\d+)/.exec(htree)?.[1]));
    expect(MKE2FS_BIG_ENTRIES).toBeGreaterThan(count);
  });

  it('xattrs in the inode and in a block, with the entry hash cube computes', async () => {
    const inline = Inode.get(inode(ROOT_INODE), 0, 'inlineXattrs') as Buffer;
    expect(XattrInodeHeader.get(inline, 0, 'magic')).toBe(XATTR_MAGIC);
    const entry = XattrEntryHeader.read(inline, XattrInodeHeader.size);
    const nameAt = XattrInodeHeader.size + XattrEntryHeader.size;
    const name = inline.subarray(nameAt, nameAt + entry.nameLen);
    const value = inline.subarray(XattrInodeHeader.size + entry.valueOffset, XattrInodeHeader.size + entry.valueOffset + entry.valueSize);
    // e2fsprogs leaves the hash of in-inode entries 0 (the kernel fills it in); the block entry below has one.
    expect([entry.nameIndex, name.toString(), value.toString()]).toEqual([XattrIndex.user.index, 'test', 'hello']);

    const xattrBlock = block(Inode.get(inode(await inodeNumber('/d')), 0, 'fileAclLo'));
    expect(XattrBlockHeader.read(xattrBlock)).toMatchObject({ magic: XATTR_MAGIC, refcount: 1, blocks: 1 });
    const big = XattrEntryHeader.read(xattrBlock, XattrBlockHeader.size);
    const bigName = xattrBlock.subarray(XattrBlockHeader.size + XattrEntryHeader.size, XattrBlockHeader.size + XattrEntryHeader.size + big.nameLen);
    const bigValue = xattrBlock.subarray(big.valueOffset, big.valueOffset + big.valueSize);
    expect([big.nameIndex, bigName.toString(), big.valueSize]).toEqual([XattrIndex.user.index, 'big', 3000]);
    expect(big.hash).toBe(entryHash({ index: big.nameIndex, name: bigName, value: bigValue }));
    // Cube lays the same attribute out in a block exactly as e2fsprogs did. e2fsprogs leaves the
    // block hash 0 (the kernel fills it in, to share identical blocks), so it is left out.
    const theirs = Buffer.from(xattrBlock);
    const ours = encodeBlock(xattrEntries(new Map([['user.big', bigValue]]))) as Buffer;
    XattrBlockHeader.write(theirs, 0, { checksum: 0, hash: 0 });
    XattrBlockHeader.write(ours, 0, { hash: 0 });
    expect(ours.equals(theirs)).toBe(true);
  });

  it('jbd2 superblock', () => {
    const journal = JournalSuperblock.read(block(firstBlock(JOURNAL_INODE)));
    expect(journal).toMatchObject({ magic: JBD2_MAGIC, blockType: JBD2_SUPERBLOCK_V2, blockSize: BLOCK_SIZE, first: 1, start: Number(field('Journal start')) });
    expect(journal.maxLength).toBe(Number(field('Total journal blocks')));
  });
});
