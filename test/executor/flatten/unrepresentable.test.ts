/**
 * A layer entry ext4 cannot hold as it is fails flattening with a diagnostic naming the layer's
 * digest and the entry (its bytes that are not UTF-8 escaped), never a silently cut, wrapped or
 * truncated entry; the entry just inside each limit flattens.
 */
import { describe, expect, it } from 'vitest';
import { flattenOutcome, memoryLayer } from '../../helpers/layers.js';
import { paxRecord, rawTar, sparseTar } from '../../helpers/raw-tar.js';
import type { RawMember } from '../../helpers/raw-tar.js';

const pax = (key: string, value: string | Buffer): Buffer => paxRecord(key, Buffer.from(value));
const TIB16 = 2 ** 44;
const MAX_FILE = (2 ** 32 - 1) * 4096;

/** Flattens a one-layer image; the diagnostic's code and message, or 'ok'. */
async function outcome(tar: Buffer): Promise<string> {
  const layer = memoryLayer(tar);
  const d = await flattenOutcome([layer]);
  if (d === 'ok') return 'ok';
  expect(d.message).toContain(`layer ${layer.digest}: entry "`);
  return `${d.code} ${d.message.slice(d.message.indexOf('entry'))}`;
}

const member = (m: RawMember): Buffer => rawTar([m]);

describe('entries ext4 cannot hold', () => {
  it.each([
    ['a NUL in a pax path', member({ name: 'x', pax: [pax('path', Buffer.from('a\0b\xe9', 'latin1'))] }), 'CUBE3008 entry "a\\x00b\\xe9" has a NUL byte in its name'],
    ['a NUL in a pax linkpath of a symlink', member({ name: 'l', type: '2', linkname: 'x', pax: [pax('linkpath', 'to\0x')] }), 'CUBE3008 entry "l" has a NUL byte in its symlink target'],
    ['a name component of 256 bytes', member({ name: 'x', pax: [pax('path', `d/${'n'.repeat(256)}`)] }), `CUBE3006 entry "d/${'n'.repeat(256)}" has a name of 256 bytes`],
    ['a symlink target of 4096 bytes', member({ name: 'l', type: '2', linkname: 'x', pax: [pax('linkpath', 't'.repeat(4096))] }), 'CUBE3009 entry "l" is a symlink whose target is 4096 bytes, longer than 4095'],
    ['a sparse file of 16 TiB', sparseTar('big.img', TIB16, []), `CUBE3010 entry "big.img" is ${TIB16} bytes, larger than ext4's largest file (${MAX_FILE})`],
    ['device major 4096', member({ name: 'dev/c', type: '3', devmajor: 4096, devminor: 1 }), 'CUBE3011 entry "dev/c" is device 4096:1; Linux device numbers go to 4095:1048575'],
    ['device minor 1048576', member({ name: 'dev/b', type: '4', devmajor: 8, devminor: 1_048_576 }), 'CUBE3011 entry "dev/b" is device 8:1048576'],
    ['a pax mtime of 2310-04-04T16:10:40Z', member({ name: 't', pax: [pax('mtime', '10737418240')] }), 'CUBE3012 entry "t" has mtime 10737418240 s from 1970, outside -2147483648..10737418239'],
    ['a pax atime before 1901', member({ name: 't', pax: [pax('atime', '-2147483649.5')] }), 'CUBE3012 entry "t" has atime -2147483650 s from 1970'],
    ['a pax mtime of 10^30 seconds', member({ name: 't', pax: [pax('mtime', '1' + '0'.repeat(30))] }), 'CUBE3012 entry "t" has mtime 1e+30 s'],
    ['a hard link whose name is too long', rawTar([{ name: 'f' }, { name: 'x', type: '1', linkname: 'f', pax: [pax('path', 'h'.repeat(300))] }]), `CUBE3006 entry "${'h'.repeat(300)}" has a name of 300 bytes`],
  ])('%s', async (_, tar, expected) => {
    expect(await outcome(tar)).toContain(expected);
  });

  it.each([
    ['a name component of 255 bytes', member({ name: 'x', pax: [pax('path', `d/${'n'.repeat(255)}`)] })],
    ['a symlink target of 4095 bytes', member({ name: 'l', type: '2', linkname: 'x', pax: [pax('linkpath', 't'.repeat(4095))] })],
    ['a sparse file of 16 TiB less 4 KiB', sparseTar('big.img', MAX_FILE, [])],
    ['device 4095:1048575', member({ name: 'dev/c', type: '3', devmajor: 4095, devminor: 1_048_575 })],
    ['mtimes of 1901-12-13T20:45:52Z and 2310-04-04T16:10:39Z', rawTar([{ name: 'a', pax: [pax('mtime', '-2147483648')] }, { name: 'b', pax: [pax('mtime', '10737418239.999999999')] }])],
  ])('just inside: %s', async (_, tar) => {
    expect(await outcome(tar)).toBe('ok');
  });
});
