/** Small ELF files for tests: a 64-bit header for a machine, then bytes that tell files apart. */
import { ELF_MACHINE, ELF_MAGIC, ElfClass, ElfData, ElfType, FileHeader64, ProgramHeader64, SegmentType } from '../../src/core/elf.js';

/**
 * An ELF64 executable header for `architecture` (default amd64, the platform of the images
 * test/helpers/oci-layout.ts makes), with a PT_INTERP naming `interpreter` when given, followed
 * by `label`: enough for cube's envd checks, never run.
 */
export function elfWith(label: string, architecture = 'amd64', interpreter?: string): Buffer {
  const header = Buffer.alloc(FileHeader64.size);
  ELF_MAGIC.copy(header, 0);
  header[FileHeader64.ident.class] = ElfClass.elf64;
  header[FileHeader64.ident.data] = ElfData.littleEndian;
  header[FileHeader64.ident.version] = 1;
  header.writeUInt16LE(ElfType.executable, FileHeader64.type);
  header.writeUInt16LE(ELF_MACHINE[architecture] ?? 0, FileHeader64.machine);
  if (interpreter === undefined) return Buffer.concat([header, Buffer.from(label)]);
  const path = Buffer.from(`${interpreter}\0`);
  const program = Buffer.alloc(ProgramHeader64.size);
  program.writeUInt32LE(SegmentType.interpreter, ProgramHeader64.type);
  program.writeBigUInt64LE(BigInt(FileHeader64.size + ProgramHeader64.size), ProgramHeader64.offset);
  program.writeBigUInt64LE(BigInt(path.length), ProgramHeader64.filesz);
  header.writeBigUInt64LE(BigInt(FileHeader64.size), FileHeader64.phoff);
  header.writeUInt16LE(1, FileHeader64.phnum);
  return Buffer.concat([header, program, path, Buffer.from(label)]);
}
