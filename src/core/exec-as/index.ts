/**
 * exec-as: the helper that lets the wrapper, started as root so that envd runs as root, run the
 * workload as the build file's USER. No image can be relied on to have `setpriv`, `su`,
 * `runuser` or a `chroot --userspec` (busybox and minimal images have none), and the user's
 * machine need have no compiler, so cube writes this small static ELF itself, from the machine
 * code in x86-64.ts and aarch64.ts: the same bytes on every machine, hashed into the plan.
 *
 * `exec-as UID GID N G1…GN PATH ARG0 ARGS…` sets the supplementary groups, the group and the
 * user (real, effective and saved), then execs PATH with argv `ARG0 ARGS…` and the environment
 * unchanged. PATH is resolved when the image is built, as execvp would resolve ARG0.
 */
import { sha256Digest } from '../digest.js';
import type { Digest } from '../digest.js';
import { ELF_MACHINE, ELF_MAGIC, ElfClass, ElfData, ElfType, FileHeader64, ProgramHeader64, SegmentFlags, SegmentType } from '../elf.js';
import { aarch64Code } from './aarch64.js';
import { x86_64Code } from './x86-64.js';

/** Where exec-as lives in every image with envd injected: one path, written and started from here. */
export const EXEC_AS_PATH = '/usr/libexec/cube/exec-as';

/** The messages the code writes, in the order its displacements assume. */
const MESSAGES = ["cube-exec-as: cannot switch to the workload's user and groups\n", 'cube-exec-as: cannot execute the workload\n'];

const CODE: Readonly<Record<string, () => Buffer>> = { amd64: x86_64Code, arm64: aarch64Code };

/** The architectures exec-as exists for. */
export const EXEC_AS_ARCHITECTURES: readonly string[] = Object.keys(CODE);

/** The load address: the conventional one for a static executable. */
const BASE = 0x400000;

/** A static, non-PIE ELF64 executable whose one loadable segment is the whole file. */
function elfExecutable(machine: number, code: Buffer): Buffer {
  const headers = FileHeader64.size + 2 * ProgramHeader64.size;
  const body = Buffer.concat([code, Buffer.from(MESSAGES.join(''), 'latin1')]);
  const file = Buffer.alloc(headers + body.length);
  ELF_MAGIC.copy(file, 0);
  file[FileHeader64.ident.class] = ElfClass.elf64;
  file[FileHeader64.ident.data] = ElfData.littleEndian;
  file[FileHeader64.ident.version] = 1;
  file.writeUInt16LE(ElfType.executable, FileHeader64.type);
  file.writeUInt16LE(machine, FileHeader64.machine);
  file.writeUInt32LE(1, FileHeader64.version);
  file.writeBigUInt64LE(BigInt(BASE + headers), FileHeader64.entry);
  file.writeBigUInt64LE(BigInt(FileHeader64.size), FileHeader64.phoff);
  file.writeUInt16LE(FileHeader64.size, FileHeader64.ehsize);
  file.writeUInt16LE(ProgramHeader64.size, FileHeader64.phentsize);
  file.writeUInt16LE(2, FileHeader64.phnum);
  const load = FileHeader64.size;
  file.writeUInt32LE(SegmentType.load, load + ProgramHeader64.type);
  file.writeUInt32LE(SegmentFlags.read | SegmentFlags.execute, load + ProgramHeader64.flags);
  file.writeBigUInt64LE(BigInt(BASE), load + ProgramHeader64.vaddr);
  file.writeBigUInt64LE(BigInt(BASE), load + ProgramHeader64.paddr);
  file.writeBigUInt64LE(BigInt(file.length), load + ProgramHeader64.filesz);
  file.writeBigUInt64LE(BigInt(file.length), load + ProgramHeader64.memsz);
  file.writeBigUInt64LE(0x1000n, load + ProgramHeader64.align);
  // A non-executable stack, said explicitly (without it some kernels make the stack executable).
  const stack = load + ProgramHeader64.size;
  file.writeUInt32LE(SegmentType.gnuStack, stack + ProgramHeader64.type);
  file.writeUInt32LE(SegmentFlags.read | SegmentFlags.write, stack + ProgramHeader64.flags);
  file.writeBigUInt64LE(16n, stack + ProgramHeader64.align);
  body.copy(file, headers);
  return file;
}

/** exec-as per architecture, made and hashed once per process: planning, checking and sealing all ask. */
const made = new Map<string, { readonly binary: Buffer; readonly digest: Digest } | undefined>();

function execAs(architecture: string): { readonly binary: Buffer; readonly digest: Digest } | undefined {
  if (!made.has(architecture)) {
    const code = CODE[architecture];
    const machine = ELF_MACHINE[architecture];
    const binary = code && machine !== undefined ? elfExecutable(machine, code()) : undefined;
    made.set(architecture, binary ? { binary, digest: sha256Digest(binary) } : undefined);
  }
  return made.get(architecture);
}

/** exec-as for an OCI architecture, or undefined where cube has none. */
export function execAsBinary(architecture: string): Buffer | undefined {
  return execAs(architecture)?.binary;
}

/** The sha256 of exec-as for an architecture, for the plan. */
export function execAsDigest(architecture: string): Digest | undefined {
  return execAs(architecture)?.digest;
}

/** The identity a workload runs as. */
export interface WorkloadIdentity {
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids: readonly number[];
}

/** The argv that runs `argv` (its executable resolved to `path`) as `identity` through exec-as. */
export function execAsArgv(identity: WorkloadIdentity, path: string, argv: readonly string[]): string[] {
  const groups = identity.additionalGids.map(String);
  return [EXEC_AS_PATH, String(identity.uid), String(identity.gid), String(groups.length), ...groups, path, ...argv];
}
