import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNames, escapeName, nameByteLength, nameFromBytes, nameFromLatin1, nameToBytes } from '../../src/core/names.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

describe('names are bytes', () => {
  it('decodes valid UTF-8 exactly as UTF-8 (ordinary names are unchanged)', () => {
    for (const name of ['usr', 'café', '日本語', 'emoji-😀', 'a b', '\u{10ffff}', '\ufeffbom']) {
      expect(nameFromBytes(Buffer.from(name, 'utf8'))).toBe(name);
      expect(nameToBytes(name)).toEqual(Buffer.from(name, 'utf8'));
    }
  });

  it('keeps bytes that are not UTF-8, one escaped character per byte', () => {
    const latin1 = bytes(0x63, 0x61, 0x66, 0xe9);
    const name = nameFromBytes(latin1);
    expect(name).not.toContain('\ufffd');
    expect(name.length).toBe(4);
    expect(nameToBytes(name)).toEqual(latin1);
    // n\xff and n\xfe stay two names.
    expect(nameFromBytes(bytes(0x6e, 0xff))).not.toBe(nameFromBytes(bytes(0x6e, 0xfe)));
  });

  it('refuses what UTF-8 forbids: overlong forms, surrogates, code points past U+10FFFF, truncated sequences', () => {
    for (const raw of [bytes(0xc0, 0xaf), bytes(0xe0, 0x80, 0xaf), bytes(0xed, 0xa0, 0x80), bytes(0xf4, 0x90, 0x80, 0x80), bytes(0xe2, 0x82), bytes(0xf0, 0x9f, 0x98)]) {
      const name = nameFromBytes(raw);
      expect(name.length, raw.toString('hex')).toBe(raw.length);
      expect(nameToBytes(name)).toEqual(raw);
    }
  });

  it('round-trips every byte sequence', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        expect(nameToBytes(nameFromBytes(raw))).toEqual(Buffer.from(raw));
        expect(nameByteLength(nameFromBytes(raw))).toBe(raw.length);
      }),
      { seed: 18, numRuns: 2000 },
    );
  });

  it('splits like the bytes: decoding parts cut at an ASCII byte gives the parts of the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ maxLength: 32 }), (a, b) => {
        const whole = nameFromBytes(Buffer.concat([a, bytes(0x2f), b]));
        expect(whole).toBe(`${nameFromBytes(a)}/${nameFromBytes(b)}`);
      }),
      { seed: 18, numRuns: 1000 },
    );
  });

  it('orders names by their bytes, as ext4 and the sorted directory listing do', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareNames(nameFromBytes(a), nameFromBytes(b)))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { seed: 18, numRuns: 2000 },
    );
    // Astral characters sort after U+E000–U+FFFF in bytes, though not in UTF-16 code units.
    expect(compareNames('\u{1f600}', '\uffee')).toBeGreaterThan(0);
  });

  it('reads tar-stream names decoded as Latin-1 back to the same bytes', () => {
    const raw = bytes(0x63, 0x61, 0x66, 0xc3, 0xa9, 0x2f, 0xe9);
    expect(nameFromLatin1(raw.toString('latin1'))).toBe(nameFromBytes(raw));
    expect(nameFromLatin1('plain/ascii')).toBe('plain/ascii');
  });

  it('escapes what is not UTF-8 (and NUL) as \\xNN for messages and JSON, and nothing else', () => {
    expect(escapeName(nameFromBytes(bytes(0x63, 0x61, 0x66, 0xe9)))).toBe('caf\\xe9');
    expect(escapeName('café 日本 😀 a\\b "q"')).toBe('café 日本 😀 a\\b "q"');
    expect(escapeName('lone \ud800 surrogate')).toBe('lone \\u{d800} surrogate');
    expect(escapeName('nul\0inside')).toBe('nul\\x00inside');
  });
});
