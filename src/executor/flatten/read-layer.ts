/** Iterates the members of one uncompressed layer tar with tar-stream. */
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { nameFromLatin1 } from '../../core/names.js';
import './pax.js';

/**
 * A tar member header after tar-stream merged pax and GNU long-name/long-link records. `name`,
 * `linkname` and the pax record `GNU.sparse.name` are names in cube's byte-exact form
 * (src/core/names.ts): every byte the tar holds, none decoded lossily.
 */
export interface TarHeader {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date | undefined;
  readonly type: string | null | undefined;
  readonly linkname: string | null | undefined;
  readonly uid: number;
  readonly gid: number;
  readonly devmajor: number;
  readonly devminor: number;
  readonly pax: Readonly<Record<string, string>> | null | undefined;
  /** Where the member's data starts in the uncompressed tar (after its header): tar-stream's own count. */
  readonly byteOffset?: number;
}

/** One tar member: its merged header and its data stream. */
export interface LayerMember {
  readonly header: TarHeader;
  readonly data: AsyncIterable<Buffer> & { resume(): unknown };
}

/**
 * What tar-stream throws for bytes that are not a tar (a bad header checksum, a truncated member),
 * as a diagnostic naming the layer. Diagnostics from upstream (a digest mismatch) and system
 * errors (ENOSPC from the layer cache's write) pass unchanged.
 */
function notTar(error: unknown, digest: string): unknown {
  if (error instanceof DiagnosticError) return error;
  // A system error (a full disk under the layer cache, an I/O error) is not the layer's fault.
  if (typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string' && /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code as string)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new DiagnosticError(createDiagnostic(buildCodes.layerNotTar, 'notTar', { digest, problem: reason }));
}

/** A member's data, failing with a diagnostic as {@link notTar} describes. */
function memberData(entry: Readable, digest: string): LayerMember['data'] {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const chunk of entry) yield chunk as Buffer;
      } catch (error) {
        throw notTar(error, digest);
      }
    },
    resume: () => entry.resume(),
  };
}

/**
 * Latin-1 keeps one character per byte of every ustar and GNU long name, so nothing is lost
 * before {@link withByteNames}. tar-stream reads this option, though its types do not declare it.
 */
const LATIN1_NAMES: Parameters<typeof extract>[0] & { readonly filenameEncoding: BufferEncoding } = { filenameEncoding: 'latin1' };

/** tar-stream's header with its names (decoded as Latin-1, one character per byte) in cube's byte-exact form. */
function withByteNames(header: TarHeader): TarHeader {
  const sparseName = header.pax?.['GNU.sparse.name'];
  return {
    ...header,
    name: nameFromLatin1(header.name),
    linkname: header.linkname ? nameFromLatin1(header.linkname) : header.linkname,
    ...(sparseName !== undefined ? { pax: { ...header.pax, 'GNU.sparse.name': nameFromLatin1(sparseName) } } : {}),
  };
}

/**
 * Yields every member of `tar` (the layer `digest`) in order. The caller must consume or drain
 * `data` before the next. Bytes that are not a tar fail with CUBE3215, never a bare exception.
 */
export async function* readLayerMembers(tar: Readable, digest: string): AsyncGenerator<LayerMember> {
  const ex = extract(LATIN1_NAMES);
  tar.on('error', (err) => ex.destroy(err));
  tar.pipe(ex);
  try {
    for await (const entry of ex) {
      yield { header: withByteNames(entry.header as unknown as TarHeader), data: memberData(entry as unknown as Readable, digest) };
    }
  } catch (error) {
    throw notTar(error, digest);
  }
}

/**
 * The members of a layer at the positions `wanted` has (counted from 0 as `readLayerMembers`
 * yields them), each with what `wanted` maps its position to; every other member is skipped.
 */
export async function* membersAt<T>(tar: Readable, digest: string, wanted: ReadonlyMap<number, T>): AsyncGenerator<LayerMember & { readonly value: T }> {
  let position = 0;
  for await (const member of readLayerMembers(tar, digest)) {
    const value = wanted.get(position++);
    if (value === undefined) member.data.resume();
    else yield { ...member, value };
  }
}
