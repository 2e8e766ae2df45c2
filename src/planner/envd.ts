/**
 * Which envd binary is injected, decided once: `--envd-path`, else the build file's
 * `INJECT envd PATH` (relative to the build file), else `$CUBE_ENVD_PATH`, else the default
 * install path. The file is hashed here and only here, and its header checked as CubeSandbox
 * checks a payload (not empty, ELF, not over the size limit) and more (the image's
 * architecture); every error names where the path came from.
 */
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DEFAULT_ENVD_HOST_PATH, ENVD_PATH_VARIABLE } from '../core/build-spec.js';
import type { SpanTable } from '../core/build-spec.js';
import { createDiagnostic, catalogText, DiagnosticError } from '../core/diagnostics/index.js';
import type { Diagnostic, Origin } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import type { Digest } from '../core/digest.js';
import { ELF_MACHINE, machineName, readElfFacts } from '../core/elf.js';
import { formatBytes } from '../core/format.js';
import type { HostFileHasher } from './host-files.js';

/** The resolved envd binary. */
export interface ResolvedEnvd {
  readonly hostPath: string;
  readonly digest: Digest;
  readonly size: number;
  readonly origin: Origin;
  /** The program interpreter a dynamically linked envd needs in the image. */
  readonly interpreter?: string;
}

/** CubeSandbox's limit on an envd payload, cube's default too. */
const DEFAULT_ENVD_MAX_SIZE = 16 * 1024 * 1024;

/** How much of the file the header check reads: the ELF and program headers and the interpreter. */
const HEAD_BYTES = 4096;

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function originWords(origin: Origin): string {
  switch (origin.kind) {
    case 'flag':
      return `from ${origin.flag}`;
    case 'env':
      return `from $${origin.variable}`;
    case 'default':
      return 'the default path';
    case 'file':
      return 'from INJECT envd PATH';
  }
}

/** How to name another envd, in the words of where this one came from. */
function override(origin: Origin): string {
  const messages = { flag: 'overrideFlag', file: 'overrideFile', env: 'overrideEnv', default: 'overrideDefault' } as const;
  return catalogText(planCodes.envdNotFound, messages[origin.kind], { variable: ENVD_PATH_VARIABLE, path: DEFAULT_ENVD_HOST_PATH });
}

/**
 * An envd named by `--envd-path` or `$CUBE_ENVD_PATH` for a build file that injects none: an
 * error (a silently ignored flag hides a mistake), found before anything is resolved.
 */
export function envdWithoutInject(options: { readonly injects: boolean; readonly flag?: string; readonly env: Readonly<Record<string, string | undefined>>; readonly file: string }): Diagnostic | undefined {
  if (options.injects) return undefined;
  const given = options.flag !== undefined ? '--envd-path' : options.env[ENVD_PATH_VARIABLE] ? `$${ENVD_PATH_VARIABLE}` : undefined;
  return given ? createDiagnostic(planCodes.envdWithoutInject, 'stray', { given, file: options.file }) : undefined;
}

/** Picks the envd path by precedence and hashes it. Throws a DiagnosticError naming the origin. */
export async function resolveEnvd(options: {
  readonly flag?: string;
  readonly fileHostPath?: string;
  readonly buildFile: string;
  readonly spans: SpanTable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hasher: HostFileHasher;
  /** The image's architecture (OCI name): envd must be built for it. */
  readonly architecture: string;
  /** The largest envd accepted, in bytes (default {@link DEFAULT_ENVD_MAX_SIZE}). */
  readonly maxSize?: number;
}): Promise<ResolvedEnvd> {
  let path: string;
  let origin: Origin;
  const variable = options.env[ENVD_PATH_VARIABLE];
  const fileSpan = options.spans.get('/inject/hostPath') ?? options.spans.get('/inject');
  if (options.flag !== undefined) {
    path = options.flag;
    origin = { kind: 'flag', flag: '--envd-path' };
  } else if (options.fileHostPath !== undefined && fileSpan) {
    path = resolve(dirname(options.buildFile), options.fileHostPath);
    origin = { kind: 'file', span: fileSpan };
  } else if (variable !== undefined && variable !== '') {
    path = variable;
    origin = { kind: 'env', variable: ENVD_PATH_VARIABLE };
  } else {
    path = DEFAULT_ENVD_HOST_PATH;
    origin = { kind: 'default' };
  }
  const span = origin.kind === 'file' ? origin.span : undefined;
  const where = span ? { span } : {};
  // Every message names the file and where it came from; those about finding it say how to name another.
  const named = { path, origin: originWords(origin), override: override(origin) };
  const fail = (diagnostic: Diagnostic): never => {
    throw new DiagnosticError(diagnostic);
  };
  let info;
  try {
    info = await stat(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail(createDiagnostic(planCodes.envdNotFound, 'notFound', named, where));
    return fail(createDiagnostic(planCodes.envdUnreadable, 'unreadable', { ...named, reason: code ?? 'error' }, where));
  }
  if (!info.isFile()) return fail(createDiagnostic(planCodes.envdNotRegular, 'notRegular', named, where));
  const size = Number(info.size);
  const maxSize = options.maxSize ?? DEFAULT_ENVD_MAX_SIZE;
  if (size === 0) return fail(createDiagnostic(planCodes.envdEmpty, 'empty', named, where));
  if (size > maxSize) return fail(createDiagnostic(planCodes.envdTooLarge, 'tooLarge', { ...named, size: formatBytes(size), bytes: size, limit: formatBytes(maxSize) }, where));
  let digest: Digest;
  let head: Buffer;
  try {
    head = await readHead(path);
    digest = await options.hasher.digest(path, info);
  } catch (error) {
    return fail(createDiagnostic(planCodes.envdUnreadable, 'unreadable', { ...named, reason: (error as NodeJS.ErrnoException).code ?? 'error' }, where));
  }
  const elf = readElfFacts(head);
  if (!elf) {
    return fail(createDiagnostic(planCodes.envdNotElf, head.subarray(0, 2).toString('latin1') === '#!' ? 'script' : 'notElf', named, where));
  }
  const expected = ELF_MACHINE[options.architecture];
  if (expected !== undefined && elf.machine !== expected) {
    return fail(createDiagnostic(planCodes.envdWrongPlatform, 'machine', { ...named, machine: machineName(elf.machine), architecture: options.architecture }, where));
  }
  return { hostPath: path, digest, size, origin, ...(elf.interpreter ? { interpreter: elf.interpreter } : {}) };
}
