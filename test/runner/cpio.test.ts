/**
 * The cpio writer, read back by busybox (the same code the guest's tools use) and by the kernel's
 * rules: every entry listed with its type and mode, contents extracted intact, the archive a
 * whole number of 512-byte blocks, and the same entries giving the same bytes.
 */
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpioWriter } from '../../src/runner/cpio.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-cpio-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** An archive with one entry of each kind, names whose lengths cross the 4-byte padding. */
function sample(): Buffer {
  return new CpioWriter()
    .directory('bin')
    .file('bin/busybox', Buffer.from('#!/bin/sh\necho hi\n'), 0o755)
    .symlink('bin/sh', 'busybox')
    .directory('dev')
    .characterDevice('dev/console', 5, 1)
    .file('a', Buffer.alloc(0))
    .file('ab', Buffer.from('x'))
    .file('abc', Buffer.from('xy'))
    .file('abcd', Buffer.from('xyz'))
    .file('init', Buffer.alloc(70_000, 7), 0o700)
    .finish();
}

describe('CpioWriter', () => {
  it('writes an archive busybox cpio lists entry by entry, with types and modes', async () => {
    const archive = join(work, 'list.cpio');
    await writeFile(archive, sample());
    const listing = await execa('busybox', ['cpio', '-t', '-v'], { inputFile: archive });
    const lines = listing.stdout.split('\n').map((l) => `${l.slice(0, 10)} ${l.split(' ').pop() ?? ''}`);
    expect(lines).toEqual([
      'drwxr-xr-x bin',
      '-rwxr-xr-x bin/busybox',
      'lrwxrwxrwx busybox',
      'drwxr-xr-x dev',
      'crw------- dev/console',
      '-rw-r--r-- a',
      '-rw-r--r-- ab',
      '-rw-r--r-- abc',
      '-rw-r--r-- abcd',
      '-rwx------ init',
    ]);
  });

  it('extracts to the same contents and link targets', async () => {
    const archive = join(work, 'extract.cpio');
    await writeFile(archive, sample());
    const out = join(work, 'extracted');
    await execa('mkdir', [out]);
    // Device nodes need root to extract; list them above, extract the rest.
    await execa('busybox', ['cpio', '-i', '-d', 'bin/*', 'a*', 'init'], { inputFile: archive, cwd: out });
    expect(await readFile(join(out, 'bin', 'busybox'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(await readlink(join(out, 'bin', 'sh'))).toBe('busybox');
    expect((await readFile(join(out, 'abcd'), 'utf8'))).toBe('xyz');
    expect(await readFile(join(out, 'init'))).toEqual(Buffer.alloc(70_000, 7));
  });

  it('pads to 512-byte blocks and is reproducible', () => {
    const first = sample();
    expect(first.length % 512).toBe(0);
    expect(first.subarray(0, 6).toString()).toBe('070701');
    expect(first.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
    expect(sample().equals(first)).toBe(true);
  });

  it('refuses absolute names and entries after the trailer', () => {
    expect(() => new CpioWriter().file('/init', Buffer.alloc(0))).toThrow(/relative/);
    const writer = new CpioWriter();
    writer.finish();
    expect(() => writer.directory('late')).toThrow(/after finish/);
  });
});
