/**
 * Writing the stamp of a finished build (src/core/stamp.ts): every file and directory it read,
 * every output it wrote, with their identities now. Not written when the build showed a
 * diagnostic (the next run must show it again), when the base image is a registry tag that no
 * lockfile pins (the tag may move), or when an input changed during the build or too recently for
 * its times to tell a later change apart.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BuildSpec } from '../../core/build-spec.js';
import { writeFileAtomic } from '../../core/paths.js';
import { identityOf, SETTLED_MS, STAMP_VERSION, stampable, stampKey, stampPath } from '../../core/stamp.js';
import type { Recorded, Stamp } from '../../core/stamp.js';
import { CUBE_VERSION } from '../../core/version.js';
import type { HostFileHasher } from '../../planner/index.js';
import { lockfilePath } from '../../planner/index.js';
import type { CommandContext } from '../command.js';

/** What a stamp is made of. */
export interface StampInput {
  readonly args: readonly string[];
  readonly cacheDir: string;
  readonly buildFile: string;
  readonly spec: BuildSpec;
  readonly hasher: HostFileHasher;
  readonly outputs: readonly string[];
  readonly started: number;
  readonly digest: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The files the build file and its base image come from. */
function sourceFiles(spec: BuildSpec, buildFile: string): string[] | undefined {
  const contextDir = dirname(buildFile);
  const lock = lockfilePath(buildFile);
  const files = [buildFile, lock, join(contextDir, '.cubeignore')];
  const from = spec.from.image;
  if (from.transport === 'oci-layout') return [...files, join(resolve(contextDir, from.dir), 'index.json')];
  if (from.transport === 'docker-archive') return [...files, resolve(contextDir, from.file)];
  return from.digest !== undefined ? files : undefined;
}

/** Records the stamp of a build that just succeeded; does nothing when it must not (see above). */
export async function keepStamp(context: CommandContext, input: StampInput): Promise<void> {
  if (!stampable(input.args, context.env)) return;
  const files = sourceFiles(input.spec, input.buildFile);
  if (!files) {
    // A registry tag: stamped only when the lockfile pins it.
    if ((await identityOf(lockfilePath(input.buildFile))) === 'absent') return;
  }
  const inputs: Recorded[] = [];
  for (const path of files ?? [input.buildFile, lockfilePath(input.buildFile), join(dirname(input.buildFile), '.cubeignore')]) inputs.push([path, await identityOf(path)]);
  for (const [path, then] of input.hasher.looked) {
    const now = await identityOf(path);
    if (then !== '' && now !== then) return;
    inputs.push([path, now]);
  }
  const settled = input.started - SETTLED_MS;
  for (const [, identity] of inputs) {
    const [, , , mtimeNs, ctimeNs] = identity.split(':');
    if (mtimeNs === undefined || ctimeNs === undefined) continue;
    const changed = BigInt(mtimeNs) > BigInt(ctimeNs) ? BigInt(mtimeNs) : BigInt(ctimeNs);
    if (changed / 1_000_000n > BigInt(settled)) return;
  }
  const outputs: Recorded[] = [];
  for (const path of input.outputs) outputs.push([path, await identityOf(path)]);
  const key = await stampKey(input.args, context.cwd, context.env, CUBE_VERSION);
  const stamp: Stamp = { version: STAMP_VERSION, key, inputs, outputs, digest: input.digest, message: input.message, fields: input.fields };
  await mkdir(join(input.cacheDir, 'stamps'), { recursive: true });
  await writeFileAtomic(stampPath(input.cacheDir, key), JSON.stringify(stamp) + '\n');
}
