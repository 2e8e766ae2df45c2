/** How `cube inspect` prints names that are bytes: UTF-8 as is, everything else escaped, never lossily. */
import { describe, expect, it } from 'vitest';
import { nameFromBytes, nameToBytes } from '../../src/core/names.js';
import { displayName } from '../../src/inspect/names.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

/** Reverses displayName's escapes: the printed form must name exactly one byte string. */
function unescape(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('\\\\', i)) {
      parts.push(Buffer.from('\\'));
      i += 2;
    } else if (text.startsWith('\\x', i)) {
      parts.push(Buffer.from([parseInt(text.slice(i + 2, i + 4), 16)]));
      i += 4;
    } else {
      const point = text.codePointAt(i) as number;
      const char = String.fromCodePoint(point);
      parts.push(Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return Buffer.concat(parts);
}

describe('names', () => {
  it.each([
    ['plain ASCII', Buffer.from('libc.so.6'), 'libc.so.6'],
    ['UTF-8', Buffer.from('café-日本-🙂'), 'café-日本-🙂'],
    ['Latin-1 é', bytes(0x63, 0x61, 0x66, 0xe9), 'caf\\xe9'],
    ['a lone continuation byte', bytes(0x80), '\\x80'],
    ['an overlong /', bytes(0xc0, 0xaf), '\\xc0\\xaf'],
    ['a UTF-16 surrogate', bytes(0xed, 0xa0, 0x80), '\\xed\\xa0\\x80'],
    ['past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), '\\xf4\\x90\\x80\\x80'],
    ['a sequence cut short', bytes(0x61, 0xe2, 0x82), 'a\\xe2\\x82'],
    ['a newline and an escape character', Buffer.from('a\nb\x1b[31m'), 'a\\x0ab\\x1b[31m'],
    ['a backslash', Buffer.from('a\\x41'), 'a\\\\x41'],
  ])('%s', (_name, input, shown) => {
    expect(displayName(input)).toBe(shown);
    expect(unescape(shown).equals(input)).toBe(true);
  });

  it('agrees with a strict UTF-8 decoder on which names are UTF-8, and every printed form names its bytes alone', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // Bytes biased towards the edges of UTF-8's ranges, where decoders differ.
    const pool = [0x00, 0x2f, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let round = 0; round < 3000; round++) {
      const input = Buffer.from(Array.from({ length: 1 + random(6) }, () => pool[random(pool.length)] as number));
      let valid = true;
      try {
        strict.decode(input);
      } catch {
        valid = false;
      }
      // A valid name is its UTF-8 text; any other is kept byte for byte (never U+FFFD).
      expect(nameFromBytes(input) === input.toString('utf8'), input.toString('hex')).toBe(valid);
      expect(nameToBytes(nameFromBytes(input)).equals(input), input.toString('hex')).toBe(true);
      expect(unescape(displayName(input)).equals(input), input.toString('hex')).toBe(true);
    }
  });
});
