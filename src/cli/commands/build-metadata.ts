/**
 * `cube build --metadata-file FILE`: what a build produced, as one JSON object for the CI step
 * that comes next, after docker buildx's `--metadata-file` (flat, namespaced keys). The keys
 * are listed in docs/logging.md#the-metadata-file.
 */
import { readFile } from 'node:fs/promises';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { cliCodes } from '../../core/diagnostics/codes-cli.js';
import { sha256Digest } from '../../core/digest.js';
import { writeFileAtomic } from '../../core/paths.js';
import { CUBE_VERSION } from '../../core/version.js';
import type { ExecuteResult } from '../../executor/build/index.js';

/** Whether a cached result was used (`hit`) or made now (`miss`). */
export type CacheUse = 'hit' | 'miss';

/** The metadata file's content. */
export interface BuildMetadata {
  readonly 'cube.artifact.digest': string;
  readonly 'cube.artifact.size': number;
  readonly 'cube.plan.digest': string;
  readonly 'cube.launch.digest': string;
  readonly 'cube.outputs': ExecuteResult['outputs'];
  /** `base`: the rootfs was sealed now from a flattened base (docs/incremental.md), reading no layer. */
  readonly 'cube.cache': { readonly rootfs: CacheUse | 'base'; readonly launch: CacheUse };
  readonly 'cube.version': string;
}

/** The metadata of a finished build; launch.json is read back so its digest is of the bytes written. */
export async function buildMetadata(result: ExecuteResult): Promise<BuildMetadata> {
  const launch = await readFile(result.outputs.launch);
  return {
    'cube.artifact.digest': result.manifest.artifact.sha256,
    'cube.artifact.size': result.manifest.artifact.size,
    'cube.plan.digest': result.manifest.planDigest,
    'cube.launch.digest': sha256Digest(launch),
    'cube.outputs': result.outputs,
    'cube.cache': { rootfs: result.rootfs === 'cached' ? 'hit' : result.base ? 'base' : 'miss', launch: result.launch === 'cached' ? 'hit' : 'miss' },
    'cube.version': CUBE_VERSION,
  };
}

/** Writes the metadata file atomically; a path that cannot be written is CUBE0004. */
export async function writeMetadataFile(path: string, metadata: BuildMetadata): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(metadata, null, 2) + '\n').catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DiagnosticError(createDiagnostic(cliCodes.writeFailed, 'metadata', { path, reason }));
  });
}
