/**
 * The launch half of a build: the effective process computed as Docker does, wrapped so envd
 * starts beside it, checked against the sealed tree, and written up as the launch manifest.
 * Runs on cache hits too, from the rootfs facts kept with the artifact.
 */
import type { LaunchSpec, InjectSpec } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import type { ImageConfig, ResolvedImage } from '../../core/image.js';
import { buildLaunchManifest, checkWrappable, effectiveProcess, pathOf, resolveExecutable, resolveUser, splitUserSpec, wrapArgv } from '../launch/index.js';
import type { LaunchManifest } from '../launch/index.js';
import type { RootfsFacts } from './rootfs-facts.js';
import { suggestAccount, suggestCommand } from './suggestions.js';

/** Inputs of {@link computeLaunch}. */
export interface LaunchInput {
  readonly launch: LaunchSpec;
  readonly image: ResolvedImage;
  /** The reference as the user wrote it, for the manifest. */
  readonly imageRef: string;
  readonly envd?: Pick<InjectSpec, 'imagePath' | 'args' | 'port'> & { readonly sha256: Digest };
  readonly facts: RootfsFacts;
  readonly artifact: { readonly path: string; readonly sha256: Digest; readonly size: number; readonly uuid: string };
  readonly manifestId: Digest;
  readonly planDigest: Digest;
  /** Where the command came from, for diagnostics (`/launch/entrypoint`, `/launch/cmd`, `/launch/user`). */
  readonly spans: ReadonlyMap<string, Span>;
}

function at(diagnostic: Diagnostic, span: Span | undefined): Diagnostic {
  return span && !diagnostic.span ? { ...diagnostic, span } : diagnostic;
}

/** What checking the process needs: the launch settings, the image config, envd and the tree. */
export type ProcessInput = Pick<LaunchInput, 'launch' | 'facts' | 'spans'> & {
  readonly config: ImageConfig;
  readonly envd?: Pick<InjectSpec, 'imagePath' | 'args'>;
};

/** The process as it will start (wrapped when asked), with every problem that would stop it. */
export interface CheckedProcess {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly problems: readonly Diagnostic[];
}

/**
 * Computes the process and checks it against the tree: the workload's executable (and /bin/sh
 * for a wrapped entrypoint; an unwrapped one must not be empty), the user and group, each with
 * a "did you mean" from the image. Both `cube build` and `cube check` use this, so they agree.
 */
export function checkProcess(input: ProcessInput): CheckedProcess {
  const process = effectiveProcess(input.config, input.launch);
  const commandSpan = input.spans.get('/launch/entrypoint') ?? input.spans.get('/launch/cmd');
  const problems: Diagnostic[] = [];
  let argv: string[];
  if (input.launch.wrap && input.envd) {
    problems.push(...checkWrappable(input.facts.index, process).map((d) => at(suggestCommand(d, process, input.facts.index), commandSpan)));
    argv = wrapArgv(process.argv, input.envd);
  } else {
    argv = [...process.argv];
    const [name] = argv;
    if (name === undefined) {
      problems.push(at(createDiagnostic(buildCodes.emptyProcess, 'the image and the build file give no command to run'), commandSpan));
    } else if (!resolveExecutable(input.facts.index, name, process.cwd, pathOf(process.env))) {
      // Unwrapped, the command still has to exist: the sandbox would fail to start otherwise.
      const how = name.includes('/') ? 'no executable file at that path' : `not found in PATH=${pathOf(process.env)}`;
      const missing = createDiagnostic(buildCodes.workloadNotFound, `workload executable "${name}" does not resolve in the image: ${how}`);
      problems.push(at(suggestCommand(missing, process, input.facts.index), commandSpan));
    }
  }
  let uid = 0;
  let gid = 0;
  if (process.user !== '') {
    const { user, group } = splitUserSpec(process.user);
    const resolved = resolveUser(user, group, input.facts.accounts);
    if (resolved.ok) ({ uid, gid } = resolved.value);
    else problems.push(at(suggestAccount(resolved.diagnostic, process.user, input.facts.accounts), input.spans.get('/launch/user')));
  }
  return { argv, env: process.env, cwd: process.cwd, uid, gid, problems };
}

/** Computes the manifest, or throws a DiagnosticError listing every problem found. */
export function computeLaunch(input: LaunchInput): LaunchManifest {
  const checked = checkProcess({ ...input, config: input.image.config });
  if (checked.problems.length > 0) throw new DiagnosticError(checked.problems);
  return buildLaunchManifest({
    producedBy: input.manifestId,
    planDigest: input.planDigest,
    image: { ref: input.imageRef, digest: input.image.manifestDigest },
    artifact: { path: input.artifact.path, sha256: input.artifact.sha256, size: input.artifact.size, filesystemUuid: input.artifact.uuid },
    process: { argv: checked.argv, env: checked.env, cwd: checked.cwd, uid: checked.uid, gid: checked.gid },
    expose: input.launch.expose,
    ...(input.envd ? { envd: { path: input.envd.imagePath, sha256: input.envd.sha256, port: input.envd.port } } : {}),
  });
}
