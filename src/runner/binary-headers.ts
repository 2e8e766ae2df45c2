/**
 * The two facts cube reads out of host binaries before trusting them in a guest: a kernel
 * image's version (to find its modules), and whether an ELF executable is statically linked
 * (an initramfs has no shared libraries for a dynamic one to load).
 */
import { open } from 'node:fs/promises';

/** Offsets in the x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
const SETUP_HEADER = { magicOffset: 0x202, magic: 'HdrS', versionPointer: 0x20e, versionBase: 0x200 } as const;
/** `PT_INTERP`: a program header naming the dynamic loader. */
const PT_INTERP = 3;

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

/** Whether `path` is a 64-bit little-endian ELF file, and whether it asks for a dynamic loader. */
export async function elfLinkage(path: string): Promise<ElfLinkage> {
  const header = await readAt(path, 0, 64);
  // ELF magic, ELFCLASS64, ELFDATA2LSB.
  if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return 'not-elf';
  const phoff = Number(header.readBigUInt64LE(0x20));
  const phentsize = header.readUInt16LE(0x36);
  const phnum = header.readUInt16LE(0x38);
  const table = await readAt(path, phoff, phentsize * phnum);
  for (let i = 0; i + 4 <= table.length && i < phentsize * phnum; i += phentsize) {
    if (table.readUInt32LE(i) === PT_INTERP) return 'dynamic';
  }
  return 'static';
}
