/**
 * ext4's directory hash (half-MD4, unsigned-char variant, as `s_flags` declares), used to
 * order the entries of indexed (htree) directories. Seeded from the superblock's hash seed.
 */
import { HTREE_EOF_32BIT } from './format/index.js';

/** MD4's initial state, used when the superblock's hash seed is all zeros. */
const MD4_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
/** Bytes of name consumed per half-MD4 round: 8 words. */
const CHUNK = 32;
const K2 = 0x5a827999;
const K3 = 0x6ed9eba1;

const rol = (x: number, s: number): number => ((x << s) | (x >>> (32 - s))) >>> 0;
const F = (x: number, y: number, z: number): number => (z ^ (x & (y ^ z))) >>> 0;
const G = (x: number, y: number, z: number): number => (((x & y) >>> 0) + (((x ^ y) & z) >>> 0)) >>> 0;
const H = (x: number, y: number, z: number): number => (x ^ y ^ z) >>> 0;

/** One half-MD4 block: three rounds of MD4 over 8 words, added into `buf`. */
function transform(buf: Uint32Array, input: readonly number[]): void {
  let [a, b, c, d] = [buf[0] as number, buf[1] as number, buf[2] as number, buf[3] as number];
  const w = (i: number): number => input[i] as number;
  const r1 = (x: number, y: number, z: number, v: number, k: number, s: number): number => rol((x + F(y, z, v) + k) >>> 0, s);
  a = r1(a, b, c, d, w(0), 3); d = r1(d, a, b, c, w(1), 7); c = r1(c, d, a, b, w(2), 11); b = r1(b, c, d, a, w(3), 19);
  a = r1(a, b, c, d, w(4), 3); d = r1(d, a, b, c, w(5), 7); c = r1(c, d, a, b, w(6), 11); b = r1(b, c, d, a, w(7), 19);
  const r2 = (x: number, y: number, z: number, v: number, k: number, s: number): number => rol((x + G(y, z, v) + k + K2) >>> 0, s);
  a = r2(a, b, c, d, w(1), 3); d = r2(d, a, b, c, w(3), 5); c = r2(c, d, a, b, w(5), 9); b = r2(b, c, d, a, w(7), 13);
  a = r2(a, b, c, d, w(0), 3); d = r2(d, a, b, c, w(2), 5); c = r2(c, d, a, b, w(4), 9); b = r2(b, c, d, a, w(6), 13);
  const r3 = (x: number, y: number, z: number, v: number, k: number, s: number): number => rol((x + H(y, z, v) + k + K3) >>> 0, s);
  a = r3(a, b, c, d, w(3), 3); d = r3(d, a, b, c, w(7), 9); c = r3(c, d, a, b, w(2), 11); b = r3(b, c, d, a, w(6), 15);
  a = r3(a, b, c, d, w(1), 3); d = r3(d, a, b, c, w(5), 9); c = r3(c, d, a, b, w(0), 11); b = r3(b, c, d, a, w(4), 15);
  buf[0] = ((buf[0] as number) + a) >>> 0;
  buf[1] = ((buf[1] as number) + b) >>> 0;
  buf[2] = ((buf[2] as number) + c) >>> 0;
  buf[3] = ((buf[3] as number) + d) >>> 0;
}

/** Packs up to 32 bytes of the name into 8 words, padded with the length, as ext4 does. */
function words(name: Uint8Array, offset: number, length: number): number[] {
  let pad = (length | (length << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  const out: number[] = [];
  let value = pad;
  const n = Math.min(length, CHUNK);
  for (let i = 0; i < n; i++) {
    value = ((name[offset + i] as number) + ((value << 8) >>> 0)) >>> 0;
    if (i % 4 === 3) {
      out.push(value);
      value = pad;
    }
  }
  if (out.length < 8) out.push(value);
  while (out.length < 8) out.push(pad);
  return out;
}

/** The 32-bit htree hash of `name` (lowest bit clear), with the superblock's 16-byte seed. */
export function dirHash(name: Uint8Array, seed: Uint8Array): number {
  const buf = new Uint32Array(4);
  const seedWords = [0, 1, 2, 3].map((i) => Buffer.from(seed).readUInt32LE(i * 4));
  if (seedWords.some((w) => w !== 0)) seedWords.forEach((w, i) => (buf[i] = w));
  else buf.set(MD4_INIT);
  for (let offset = 0, left = name.length; ; offset += CHUNK, left -= CHUNK) {
    transform(buf, words(name, offset, left));
    if (left <= CHUNK) break;
  }
  return finishHash(buf[1] as number);
}

/**
 * The stored form of a raw 32-bit hash: bit 0 cleared (htree leaves use it to mark a hash that
 * continues from the previous block), and the value reserved for "end of directory" moved one
 * step down, as the kernel and e2fsprogs do.
 */
export function finishHash(raw: number): number {
  const hash = (raw & ~1) >>> 0;
  return hash === HTREE_EOF_32BIT * 2 ? (HTREE_EOF_32BIT - 1) * 2 : hash;
}
