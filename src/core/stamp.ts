/**
 * Build stamps: what lets `cube build` answer "up to date" without loading the build at all.
 * After a build that changed nothing it had to warn about, cube records the identity (inode,
 * size, modification and change times) of every file and directory the build read and of every
 * output it wrote, under a key made of the command line, the working directory, the environment
 * the build reads and cube's own build. The next identical command line compares those identities
 * (a few stat calls, no parsing) and, when nothing moved, prints the recorded result.
 *
 * This module is shared by the writer (the build) and the reader (bin/cube.js, before the build
 * is loaded), and so imports nothing but Node.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileIdentity, thisBoot } from './file-identity.js';
import { fsPath } from './names.js';

/** Bump when a stamp's meaning changes. */
export const STAMP_VERSION = 1;

/** The environment variables a build reads, besides the `CUBE_` ones (all of which count). */
const BUILD_ENVIRONMENT = ['SOURCE_DATE_EPOCH', 'XDG_CACHE_HOME', 'HOME', 'DOCKER_CONFIG', 'REGISTRY_AUTH_FILE', 'NO_COLOR', 'FORCE_COLOR', 'TERM', 'CI', 'PATH'];

/** Options after which a build always runs: they ask for work, or for an account of it. */
const ALWAYS_RUN = new Set(['--no-cache', '--explain', '--refresh', '--cache-to', '-h', '--help']);

/** Files that change more recently than this before a build are not stamped (a later change could keep the same times). */
export const SETTLED_MS = 2000;

/** One recorded file: its path and identity. */
export type Recorded = readonly [path: string, identity: string];

/** What a stamp holds. */
export interface Stamp {
  readonly version: typeof STAMP_VERSION;
  readonly key: string;
  readonly inputs: readonly Recorded[];
  readonly outputs: readonly Recorded[];
  /** The artifact digest (`-q` prints it). */
  readonly digest: string;
  /** The result line, without its duration; and the result record's fields for `--log-format json`. */
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A file's identity: device, inode, size, modification and change times, or `absent`. */
export async function identityOf(path: string): Promise<string> {
  return (await fileIdentity(fsPath(path))) ?? 'absent';
}

/** Whether a command line may be answered from a stamp at all. */
export function stampable(args: readonly string[], env: Env): boolean {
  if (args[0] !== 'build') return false;
  if ((env.CUBE_CACHE_TO ?? '') !== '') return false;
  return !args.some((arg) => ALWAYS_RUN.has(arg.split('=')[0] as string));
}

/** The key of a command line in its directory and environment, for this build of cube. */
export async function stampKey(args: readonly string[], cwd: string, env: Env, version: string): Promise<string> {
  const bundle = await identityOf(join(dirname(fileURLToPath(import.meta.url)), 'bundle.js'));
  const read = Object.keys(env)
    .filter((name) => name.startsWith('CUBE_') || BUILD_ENVIRONMENT.includes(name))
    .sort()
    .map((name) => [name, env[name]]);
  const boot = await thisBoot();
  return createHash('sha256').update(JSON.stringify({ v: STAMP_VERSION, version, bundle, boot, cwd, args, env: read })).digest('hex');
}

/** Where the stamp of `key` lives. */
export function stampPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'stamps', `${key}.json`);
}

/** Whether every recorded file still has its recorded identity. */
export async function unchanged(recorded: readonly Recorded[]): Promise<boolean> {
  const now = await Promise.all(recorded.map(([path]) => identityOf(path)));
  return recorded.every(([, identity], i) => now[i] === identity);
}
