/**
 * The build file's own changes to the tree, after the layers: envd baked in (with the directory
 * its log goes to), then COPY and WORKDIR in order. Sealing runs them into the ext4 writer;
 * `cube check` runs the very same steps into a writer that keeps only the index, so both see the
 * same tree and report the same problems.
 */
import { posix } from 'node:path';
import type { Chown } from '../../core/build-spec.js';
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Logger } from '../../core/log.js';
import { escapeName } from '../../core/names.js';
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { FlattenedIndex } from '../flatten/index.js';
import { applyCopy, ensureWorkdir, injectEnvd } from '../inject/index.js';
import type { PlannedCopy } from '../../core/host-inputs.js';
import type { CopyStep, EnvdInjection } from '../inject/index.js';
import { ENVD_LOG_PATH, resolveUser } from '../launch/index.js';
import type { AccountFiles, NumericUser } from '../launch/index.js';
import { suggestAccount } from './suggestions.js';
import type { BuildStepOrigin } from './tree-writers.js';

/** One filesystem step after the layers, as the planner resolved it. */
export type SealStep =
  | { readonly kind: 'copy'; readonly copy: PlannedCopy; readonly where?: Diagnostic['span'] }
  | { readonly kind: 'workdir'; readonly path: string; readonly where?: Diagnostic['span'] };

/** What the steps need besides the writer. */
export interface BuildStepsInput {
  readonly envd?: Omit<EnvdInjection, 'mtime'>;
  readonly steps: readonly SealStep[];
  readonly accounts: AccountFiles;
  readonly mtime: Timestamp;
  readonly logger: Logger;
  /** Told as each step starts (envd first, then the steps by index), so what it writes can be traced to it. */
  readonly beginStep?: (step: BuildStepOrigin) => void;
}

/**
 * Told of each problem a step finds (the step is then skipped). Sealing throws from it, so the
 * first problem ends the build; checking collects them all.
 */
export type StepProblem = (diagnostic: Diagnostic) => void;

function at(diagnostic: Diagnostic, where: Diagnostic['span'] | undefined): Diagnostic {
  return where ? { ...diagnostic, span: where } : diagnostic;
}

function owner(chown: Chown | undefined, accounts: AccountFiles, where: Diagnostic['span'] | undefined, problem: StepProblem): NumericUser | undefined | false {
  if (!chown) return undefined;
  const resolved = resolveUser(chown.user, chown.group, accounts);
  if (resolved.ok) return resolved.value;
  problem(at(suggestAccount(resolved.diagnostic, chown.group === undefined ? chown.user : `${chown.user}:${chown.group}`, accounts), where));
  return false;
}

/** Applies INJECT, COPY and WORKDIR to `writer`, whose index is `index`. */
export async function applyBuildSteps(writer: TreeWriter<unknown>, index: FlattenedIndex, input: BuildStepsInput, problem: StepProblem): Promise<void> {
  const { mtime } = input;
  if (input.envd) {
    input.beginStep?.('envd');
    await injectEnvd(writer, { ...input.envd, mtime });
    // The wrapper sends envd's output to ENVD_LOG_PATH; a minimal image may lack its directory.
    const logDirBlocked = await ensureWorkdir(writer, index, posix.dirname(ENVD_LOG_PATH), mtime);
    if (logDirBlocked) problem(createDiagnostic(buildCodes.workdirNotDirectory, 'envdLog', { ...logDirBlocked, log: ENVD_LOG_PATH }));
    else input.logger.info({ path: input.envd.imagePath, sha256: input.envd.file.digest }, `envd baked into rootfs at ${input.envd.imagePath}`);
  }
  for (const [i, step] of input.steps.entries()) {
    input.beginStep?.(i);
    if (step.kind === 'copy') {
      const ownerIds = owner(step.copy.chown, input.accounts, step.where, problem);
      if (ownerIds === false) continue;
      const copy: CopyStep = { ...step.copy, mtime, ...(ownerIds ? { owner: ownerIds } : {}) };
      await applyCopy(writer, copy, (path) => index.resolve(path)?.inode.meta.type === 'dir');
      input.logger.info({ dest: copy.dest }, `copied ${copy.sources.map((s) => escapeName(s.name)).join(', ')} to ${copy.dest}`);
    } else {
      const blocked = await ensureWorkdir(writer, index, step.path, mtime);
      if (blocked) problem(at(createDiagnostic(buildCodes.workdirNotDirectory, 'workdir', blocked), step.where));
    }
  }
}

