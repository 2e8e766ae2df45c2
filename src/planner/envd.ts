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
import { legacyDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, Origin } from '../core/diagnostics/index.js';
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

function override(origin: Origin): string {
  switch (origin.kind) {
    case 'flag':
      return 'pass --envd-path with the path of an existing envd binary';
    case 'file':
      return 'fix INJECT envd PATH (relative to the build file), or override it with --envd-path';
    case 'env':
      return `fix $${ENVD_PATH_VARIABLE}, or override it with --envd-path`;
    case 'default':
      return `install envd at ${DEFAULT_ENVD_HOST_PATH}, or name it with --envd-path, INJECT envd PATH or $${ENVD_PATH_VARIABLE}`;
  }
}

/**
 * An envd named by `--envd-path` or `$CUBE_ENVD_PATH` for a build file that injects none: an
 * error (a silently ignored flag hides a mistake), found before anything is resolved.
 */
export function envdWithoutInject(options: { readonly injects: boolean; readonly flag?: string; readonly env: Readonly<Record<string, string | undefined>>; readonly file: string }): Diagnostic | undefined {
  if (options.injects) return undefined;
  const given = options.flag !== undefined ? '--envd-path' : options.env[ENVD_PATH_VARIABLE] ? `$${ENVD_PATH_VARIABLE}` : undefined;
  return given ? legacyDiagnostic(planCodes.envdWithoutInject, `${given} names an envd binary, but ${options.file} has no INJECT envd`) : undefined;
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
  // Where the file is not found, the hint says how to name another; otherwise the code's own.
  const fail = (entry: CatalogEntry, what: string, hint = entry.hint): never => {
    throw new DiagnosticError(legacyDiagnostic(entry, `envd binary ${path} (${originWords(origin)}) ${what}`, { ...(span ? { span } : {}), hint }));
  };
  let info;
  try {
    info = await stat(path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail(planCodes.envdNotFound, 'does not exist', override(origin));
    return fail(planCodes.envdUnreadable, `cannot be read (${code ?? 'error'})`, override(origin));
  }
  if (!info.isFile()) return fail(planCodes.envdNotRegular, 'is not a regular file', override(origin));
  const size = Number(info.size);
  const maxSize = options.maxSize ?? DEFAULT_ENVD_MAX_SIZE;
  if (size === 0) return fail(planCodes.envdEmpty, 'is empty');
  if (size > maxSize) return fail(planCodes.envdTooLarge, `is ${formatBytes(size)} (${size} bytes), over the limit of ${formatBytes(maxSize)}`);
  let digest: Digest;
  let head: Buffer;
  try {
    head = await readHead(path);
    digest = await options.hasher.digest(path, info);
  } catch (error) {
    return fail(planCodes.envdUnreadable, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, override(origin));
  }
  const elf = readElfFacts(head);
  if (!elf) {
    const what = head.subarray(0, 2).toString('latin1') === '#!' ? 'a script' : 'not an ELF executable';
    return fail(planCodes.envdNotElf, `is ${what}`);
  }
  const expected = ELF_MACHINE[options.architecture];
  if (expected !== undefined && elf.machine !== expected) {
    return fail(planCodes.envdWrongPlatform, `is built for ${machineName(elf.machine)}, but the image is linux/${options.architecture}`);
  }
  return { hostPath: path, digest, size, origin, ...(elf.interpreter ? { interpreter: elf.interpreter } : {}) };
}

/** The origin in the words plan sources use. */
export function originLabel(origin: Origin, location: (span: import('../core/diagnostics/index.js').Span) => string): string {
  switch (origin.kind) {
    case 'flag':
      return origin.flag;
    case 'env':
      return `$${origin.variable}`;
    case 'default':
      return 'default';
    case 'file':
      return location(origin.span);
  }
}
