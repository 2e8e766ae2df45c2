/**
 * Streams a host file into a TreeWriter while hashing it, so the bytes written are the bytes the
 * planner hashed (review lessons 2 and 3: never a second read, never a silent mix). The size is
 * fixed before writing; on a digest mismatch the writer has already received the bytes, which is
 * why the build must fail and the sealer discard its temporary artifact.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import { fsPath } from '../../core/names.js';
import type { HostFile } from '../../core/host-inputs.js';
import type { EntryMeta, TreeWriter } from '../../core/tree-writer.js';

export type { HostFile } from '../../core/host-inputs.js';

/** What the file is called in messages (`envd`, `COPY source`). */
export type HostFileRole = string;

const CHUNK = 1 << 20;

/** Writes `file` at `path` with `meta` (type file; size is taken from `file`), verifying its digest. */
export async function writeVerifiedFile(
  writer: TreeWriter<unknown>,
  path: string,
  meta: Omit<EntryMeta, 'type' | 'size'>,
  file: HostFile,
  role: HostFileRole,
): Promise<void> {
  let handle;
  try {
    handle = await open(fsPath(file.hostPath), 'r');
  } catch (err) {
    throw new DiagnosticError(
      createDiagnostic(buildCodes.hostFileUnreadable, 'unreadable', { role, path: file.hostPath, problem: (err as Error).message }),
    );
  }
  try {
    const named = { role, path: file.hostPath };
    const size = (await handle.stat()).size;
    if (size !== file.size) throw new DiagnosticError(createDiagnostic(buildCodes.hostFileChanged, 'size', { ...named, size, planned: file.size }));
    await writer.create(path, { ...meta, type: 'file', size: file.size });
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(file.size, 1)));
    let done = 0;
    while (done < file.size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, file.size - done), done);
      if (bytesRead === 0) throw new DiagnosticError(createDiagnostic(buildCodes.hostFileChanged, 'shrank', { ...named, bytes: done }));
      const chunk = Buffer.from(buffer.subarray(0, bytesRead));
      hash.update(chunk);
      await writer.write(chunk);
      done += bytesRead;
    }
    const actual: Digest = `sha256:${hash.digest('hex')}`;
    if (actual !== file.digest) throw new DiagnosticError(createDiagnostic(buildCodes.hostFileChanged, 'content', { ...named, actual, planned: file.digest }));
  } finally {
    await handle.close();
  }
}
