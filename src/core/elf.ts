/**
 * The few ELF facts cube reads and writes: the identification bytes, the file and program
 * header layouts (64-bit, little-endian; 32-bit files are only recognised, to be refused), and
 * the machine numbers of the platforms cube builds for. The envd check reads a header with
 * these; the exec-as helper is written with them.
 */

/** `\x7fELF`. */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** `e_ident[EI_CLASS]`. */
export const ElfClass = { elf32: 1, elf64: 2 } as const;
/** `e_ident[EI_DATA]`. */
export const ElfData = { littleEndian: 1, bigEndian: 2 } as const;
/** `e_type`. */
export const ElfType = { executable: 2, sharedObject: 3 } as const;
/** `p_type`. */
export const SegmentType = { load: 1, interpreter: 3, gnuStack: 0x6474e551 } as const;
/** `p_flags`. */
export const SegmentFlags = { execute: 1, write: 2, read: 4 } as const;

/** `e_machine` by OCI architecture name; absent for architectures cube has no number for. */
export const ELF_MACHINE: Readonly<Record<string, number>> = {
  '386': 3,
  amd64: 62,
  arm: 40,
  arm64: 183,
  ppc64le: 21,
  riscv64: 243,
  s390x: 22,
};

/** Byte offsets of the 64-bit file header's fields. */
export const FileHeader64 = {
  size: 64,
  ident: { class: 4, data: 5, version: 6, osabi: 7 },
  type: 16,
  machine: 18,
  version: 20,
  entry: 24,
  phoff: 32,
  shoff: 40,
  flags: 48,
  ehsize: 52,
  phentsize: 54,
  phnum: 56,
  shentsize: 58,
  shnum: 60,
  shstrndx: 62,
} as const;

/** Byte offsets of the 64-bit program header's fields. */
export const ProgramHeader64 = {
  size: 56,
  type: 0,
  flags: 4,
  offset: 8,
  vaddr: 16,
  paddr: 24,
  filesz: 32,
  memsz: 40,
  align: 48,
} as const;

/** What an ELF header says, as far as cube cares. */
export interface ElfFacts {
  readonly class: 'elf32' | 'elf64';
  readonly bigEndian: boolean;
  readonly machine: number;
  /** The program interpreter (`PT_INTERP`), for a dynamically linked executable. */
  readonly interpreter?: string;
}

/** The OCI architecture whose machine number this is, or `machine N`. */
export function machineName(machine: number): string {
  return Object.entries(ELF_MACHINE).find(([, m]) => m === machine)?.[0] ?? `machine ${machine}`;
}

/**
 * Reads the facts from the start of a file (`head`: at least the file header; the program
 * headers and the interpreter path when they fall inside it). Undefined when it is not ELF.
 */
export function readElfFacts(head: Buffer): ElfFacts | undefined {
  if (head.length < 20 || !head.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const elfClass = head[FileHeader64.ident.class] === ElfClass.elf64 ? 'elf64' : 'elf32';
  const bigEndian = head[FileHeader64.ident.data] === ElfData.bigEndian;
  const machine = bigEndian ? head.readUInt16BE(FileHeader64.machine) : head.readUInt16LE(FileHeader64.machine);
  if (elfClass !== 'elf64' || bigEndian || head.length < FileHeader64.size) return { class: elfClass, bigEndian, machine };
  const phoff = Number(head.readBigUInt64LE(FileHeader64.phoff));
  const phnum = head.readUInt16LE(FileHeader64.phnum);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * ProgramHeader64.size;
    if (at + ProgramHeader64.size > head.length) break;
    if (head.readUInt32LE(at + ProgramHeader64.type) !== SegmentType.interpreter) continue;
    const offset = Number(head.readBigUInt64LE(at + ProgramHeader64.offset));
    const size = Number(head.readBigUInt64LE(at + ProgramHeader64.filesz));
    if (offset + size > head.length) break;
    const interpreter = head.subarray(offset, offset + size).toString('latin1').replace(/\0.*$/s, '');
    return { class: elfClass, bigEndian, machine, interpreter };
  }
  return { class: elfClass, bigEndian, machine };
}
