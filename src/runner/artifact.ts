/**
 * The artifact `cube run` boots, checked before anything starts: launch.json must be a valid
 * launch manifest, and rootfs.ext4 must be the image it describes (size, sha256, a whole number
 * of 2 MiB units as virtio-pmem needs). An image that fails any check is refused, never booted.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { sha256File } from '../core/digest.js';
import type { Digest } from '../core/digest.js';
import { outputIs } from '../executor/build/index.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/catalog.js';
import { launchManifestSchema } from '../executor/launch/index.js';
import type { LaunchManifest } from '../executor/launch/index.js';

/** virtio-pmem maps the image in 2 MiB units. */
export const PMEM_ALIGNMENT = 2 * 1024 * 1024;

/** A verified artifact. */
export interface Artifact {
  readonly dir: string;
  readonly rootfs: string;
  readonly manifest: LaunchManifest;
}

const LAUNCH_FILE = 'launch.json';

/**
 * The output directory to run: the one given, else the newest build output under
 * `cwd/.cube/out` (the directory whose launch.json was written last).
 */
export async function locateOutput(cwd: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return resolve(cwd, given);
  const outRoot = join(cwd, '.cube', 'out');
  let newest: { dir: string; mtime: number } | undefined;
  for (const name of await readdir(outRoot).catch(() => [])) {
    const info = await stat(join(outRoot, name, LAUNCH_FILE)).catch(() => undefined);
    if (info !== undefined && (newest === undefined || info.mtimeMs > newest.mtime)) newest = { dir: join(outRoot, name), mtime: info.mtimeMs };
  }
  if (newest === undefined) throw new DiagnosticError(createDiagnostic(runCodes.noArtifact, 'noOutput', { directory: relative(cwd, outRoot) || outRoot }));
  return newest.dir;
}


/**
 * Reads and checks `dir/launch.json` and the image it names. With `cacheDir`, an image the build
 * recorded there as placed and untouched since is not read again (see output-record.ts).
 */
export async function loadArtifact(dir: string, cacheDir?: string): Promise<Artifact> {
  const text = await readFile(join(dir, LAUNCH_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) throw new DiagnosticError(createDiagnostic(runCodes.noArtifact, 'unreadable', { path: join(dir, LAUNCH_FILE) }));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(runCodes.badLaunchManifest, 'notJson', { path: join(dir, LAUNCH_FILE), problem: (error as Error).message }));
  }
  const parsed = launchManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new DiagnosticError(createDiagnostic(runCodes.badLaunchManifest, 'invalid', { path: join(dir, LAUNCH_FILE), problem: `${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}` }));
  }
  const manifest = parsed.data;
  const badEnv = manifest.process.env.find((entry) => !/^[^=]+=/.test(entry));
  if (badEnv !== undefined) throw new DiagnosticError(createDiagnostic(runCodes.badLaunchManifest, 'badEnv', { path: join(dir, LAUNCH_FILE), entry: badEnv }));
  const rootfs = isAbsolute(manifest.artifact.path) ? manifest.artifact.path : join(dir, manifest.artifact.path);
  const info = await stat(rootfs).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw new DiagnosticError(createDiagnostic(runCodes.noArtifact, 'noRootfs', { path: rootfs }));
  if (info.size !== manifest.artifact.size) throw new DiagnosticError(createDiagnostic(runCodes.imageMismatch, 'size', { path: rootfs, size: info.size, expected: manifest.artifact.size }));
  if (info.size % PMEM_ALIGNMENT !== 0 || info.size === 0) throw new DiagnosticError(createDiagnostic(runCodes.imageMismatch, 'alignment', { path: rootfs, size: info.size }));
  // The image a build placed and nobody has touched since is that image: no need to read it all.
  if (cacheDir !== undefined && (await outputIs(cacheDir, rootfs, manifest.artifact.sha256 as Digest))) return { dir, rootfs, manifest };
  const sha256 = await sha256File(rootfs);
  if (sha256 !== manifest.artifact.sha256) throw new DiagnosticError(createDiagnostic(runCodes.imageMismatch, 'digest', { path: rootfs, actual: sha256, expected: manifest.artifact.sha256 }));
  return { dir, rootfs, manifest };
}
