/**
 * CRC-32C (Castagnoli), as ext4's metadata checksums use it: the kernel's `crc32c(seed, data)`
 * without the final inversion, so chaining calls continues one checksum.
 */

/** The Castagnoli polynomial, bit-reversed. */
const POLYNOMIAL = 0x82f63b78;

const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
  TABLE[i] = c >>> 0;
}

/** The seed that starts a fresh checksum (all ones, as the kernel's `~0`). */
export const CRC32C_INIT = 0xffffffff;

/** Continues a CRC-32C from `seed` over `data` (no pre- or post-inversion, as ext4 uses it). */
export function crc32c(seed: number, data: Uint8Array): number {
  let crc = seed >>> 0;
  for (let i = 0; i < data.length; i++) crc = (TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return crc >>> 0;
}

/** A 32-bit little-endian value as bytes. */
export function le32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}
