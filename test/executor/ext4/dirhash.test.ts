/**
 * The htree directory hash against known answers. Each expected value is what e2fsprogs
 * computes for the same name and seed: `debugfs -R "dx_hash -h 4 -s <seed> <name>"` (hash
 * version 4 is half_md4 with unsigned chars, the variant cube's superblocks declare).
 */
import { describe, expect, it } from 'vitest';
import { dirHash, finishHash } from '../../../src/executor/ext4/dirhash.js';

/** An all-zero seed: the hash starts from MD4's own initial state. */
const ZERO = Buffer.alloc(16);
/** Seed 01020304-0506-0708-090a-0b0c0d0e0f10, as debugfs parses it from a UUID. */
const SEEDED = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');

const cases: readonly [string, Buffer, number, number][] = [
  ['a', Buffer.from('a'), 0xd5fa7d7a, 0x8d08ec4c],
  ['.', Buffer.from('.'), 0x3df9c490, 0xf3855c2e],
  ['..', Buffer.from('..'), 0xb074c9ae, 0xddf77af4],
  ['123456789', Buffer.from('123456789'), 0xe4022a62, 0xe393f602],
  ['lost+found', Buffer.from('lost+found'), 0x591de422, 0x694c8bb4],
  // One byte short of, exactly, and one over the 32 bytes hashed per round; then two rounds and a bit.
  ['31 bytes', Buffer.alloc(31, 'x'), 0x415798c2, 0x762e6440],
  ['32 bytes', Buffer.alloc(32, 'y'), 0x8036bd46, 0xeeaf58fa],
  ['33 bytes', Buffer.alloc(33, 'z'), 0xb8a27f84, 0x8e948a38],
  ['64 bytes', Buffer.alloc(64, 'w'), 0xb8f91f4a, 0x5d7c173a],
  ['65 bytes', Buffer.alloc(65, 'v'), 0xfc33abb6, 0x4f7ea6e0],
  ['255 bytes, the longest name', Buffer.alloc(255, 'n'), 0xc0f8fde8, 0x5aea33c0],
  // Bytes over 0x7f are where the signed and unsigned variants differ.
  ['UTF-8 "ünï-name"', Buffer.from('ünï-name'), 0x0f18a9fa, 0x49f38dc4],
  ['UTF-8 "日本"', Buffer.from('日本'), 0xd7d65dd2, 0x65759236],
  ['bytes ff fe 80', Buffer.from([0xff, 0xfe, 0x80]), 0x6542b330, 0x4a26a45a],
];

describe('half-MD4 directory hash (unsigned)', () => {
  it.each(cases)('%s', (_, name, zeroSeed, seeded) => {
    expect(dirHash(name, ZERO)).toBe(zeroSeed);
    expect(dirHash(name, SEEDED)).toBe(seeded);
  });
});

describe('the stored hash', () => {
  it.each([
    ['bit 0 cleared', 0x12345679, 0x12345678],
    ['bit 0 cleared, just below the reserved value', 0xfffffffd, 0xfffffffc],
    // 0xfffffffe is reserved for "end of directory": the kernel stores the next value down.
    ['the end-of-directory value moved down', 0xfffffffe, 0xfffffffc],
    ['the end-of-directory value once bit 0 is cleared, moved down', 0xffffffff, 0xfffffffc],
  ])('%s', (_, raw, stored) => {
    expect(finishHash(raw)).toBe(stored);
  });
});
