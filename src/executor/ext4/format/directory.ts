/**
 * Linear directory blocks: variable-length entries (`ext4_dir_entry_2`) whose record lengths
 * chain to the end of the block, and with metadata_csum a 12-byte tail that looks like an
 * empty entry to old readers and holds the block's checksum.
 */
import { BLOCK_SIZE } from './geometry.js';
import { Struct, u16, u32, u8 } from './struct.js';

/** `struct ext4_dir_entry_2` without its name, which follows the header. */
export const Dirent = new Struct('directory entry', 8, {
  inode: u32(0),
  recLen: u16(4),
  nameLen: u8(6),
  fileType: u8(7),
});

/** `struct ext4_dir_entry_tail`: the checksum entry that ends each block under metadata_csum. */
export const DirentTail = new Struct('directory entry tail', 12, {
  reservedZero1: u32(0),
  recLen: u16(4),
  reservedZero2: u8(6),
  reservedFileType: u8(7),
  checksum: u32(8),
});

/** `det_reserved_ft`: the file type that marks a checksum tail. */
export const DIRENT_TAIL_FILE_TYPE = 0xde;
/** The longest file name a directory entry holds. */
export const NAME_MAX = 255;
/** Directory entries start on 4-byte boundaries. */
const DIRENT_ALIGN = 4;
/** Byte offset of the checksum tail in a directory block. */
export const DIRENT_TAIL_OFFSET = BLOCK_SIZE - DirentTail.size;

/** Size of a directory entry with a name of `nameLength` bytes. */
export function direntSize(nameLength: number): number {
  return (Dirent.size + nameLength + DIRENT_ALIGN - 1) & ~(DIRENT_ALIGN - 1);
}

/** Encodes one directory entry at `offset` with the given record length. */
export function encodeDirent(b: Buffer, offset: number, inode: number, recLen: number, name: Buffer, type: number): void {
  Dirent.write(b, offset, { inode, recLen, nameLen: name.length, fileType: type });
  name.copy(b, offset + Dirent.size);
}

/** Stretches the entry at `offset` to end at `end`: the last entry of a block owns the rest of it. */
export function extendDirent(b: Buffer, offset: number, end: number): void {
  Dirent.set(b, offset, 'recLen', end - offset);
}

/** Writes the checksum tail at the end of a directory block (checksum 0, filled by the caller). */
export function encodeDirentTail(block: Buffer): void {
  DirentTail.write(block, DIRENT_TAIL_OFFSET, { reservedZero1: 0, recLen: DirentTail.size, reservedZero2: 0, reservedFileType: DIRENT_TAIL_FILE_TYPE, checksum: 0 });
}
