/**
 * The two facts cube reads out of host binaries before trusting them in a guest: a kernel
 * image's version (to find its modules), and whether an ELF executable is statically linked
 * (an initramfs has no shared libraries for a dynamic one to load).
 */
import { open } from 'node:fs/promises';
import { readElfFacts } from '../core/elf.js';

/** Offsets in the x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
const SETUP_HEADER = { magicOffset: 0x202, magic: 'HdrS', versionPointer: 0x20e, versionBase: 0x200 } as const;

/** Reads `length` bytes at `position` (fewer at the end of the file). */
async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The release of an x86 bzImage (`6.1.0-57-amd64`): the first word of the version string the
 * setup header points at. Undefined when the file is not a bzImage or carries no version.
 */
export async function kernelRelease(path: string): Promise<string | undefined> {
  const header = await readAt(path, 0, 0x210);
  if (header.length < 0x210 || header.toString('latin1', SETUP_HEADER.magicOffset, SETUP_HEADER.magicOffset + 4) !== SETUP_HEADER.magic) return undefined;
  const pointer = header.readUInt16LE(SETUP_HEADER.versionPointer);
  if (pointer === 0) return undefined;
  const text = await readAt(path, pointer + SETUP_HEADER.versionBase, 256);
  const end = text.indexOf(0);
  const release = text.toString('latin1', 0, end === -1 ? text.length : end).split(' ')[0];
  return release !== undefined && /^\d+\.\d+/.test(release) ? release : undefined;
}

/** What an executable is, as far as booting it as the guest's init matters. */
export type ElfLinkage = 'static' | 'dynamic' | 'not-elf';

/** Whether `path` is a 64-bit little-endian ELF file, and whether it asks for a program interpreter. */
export async function elfLinkage(path: string): Promise<ElfLinkage> {
  // The program headers and the interpreter's name sit in the first few hundred bytes.
  const facts = readElfFacts(await readAt(path, 0, 4096));
  if (facts === undefined || facts.class !== 'elf64' || facts.bigEndian) return 'not-elf';
  return facts.interpreter === undefined ? 'static' : 'dynamic';
}
