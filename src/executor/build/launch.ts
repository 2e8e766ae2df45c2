/**
 * The launch half of a build: the effective process computed as Docker does, wrapped so envd
 * starts beside it as root while the workload runs as USER, checked against the sealed tree,
 * and written up as the launch manifest. Runs on cache hits too, from the rootfs facts kept
 * with the artifact.
 */
import type { LaunchSpec } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import { execAsArgv } from '../../core/exec-as/index.js';
import type { WorkloadIdentity } from '../../core/exec-as/index.js';
import type { ResolvedImage } from '../../core/image.js';
import type { PlannedEnvd } from '../../planner/index.js';
import { pathOf } from '../../core/image.js';
import { buildLaunchManifest, checkWrappable, workloadNotFound, effectiveProcess, ENVD_LOG_PATH, envdArgv, resolveExecutable, resolveIdentity, workloadArgv, wrapArgv } from '../launch/index.js';
import type { EffectiveProcess, LaunchManifest, LaunchManifestInput } from '../launch/index.js';
import type { RootfsFacts } from './rootfs-facts.js';
import { suggestAccount, suggestCommand } from './suggestions.js';

/** Inputs of {@link computeLaunch}. */
export interface LaunchInput {
  readonly launch: LaunchSpec;
  readonly image: ResolvedImage;
  /** The reference as the user wrote it, for the manifest. */
  readonly imageRef: string;
  readonly envd?: Pick<PlannedEnvd, 'imagePath' | 'args' | 'port' | 'firecracker' | 'interpreter' | 'execAs' | 'digest'>;
  readonly facts: RootfsFacts;
  readonly artifact: { readonly path: string; readonly sha256: Digest; readonly size: number; readonly uuid: string };
  readonly manifestId: Digest;
  readonly planDigest: Digest;
  /** Where settings came from, for diagnostics (`/launch/entrypoint`, `/launch/cmd`, `/launch/user`, `/inject`). */
  readonly spans: ReadonlyMap<string, Span>;
}

function at(diagnostic: Diagnostic, span: Span | undefined): Diagnostic {
  return span && !diagnostic.span ? { ...diagnostic, span } : diagnostic;
}

const ROOT: WorkloadIdentity = { uid: 0, gid: 0, additionalGids: [] };
const isRoot = (u: WorkloadIdentity): boolean => u.uid === 0 && u.gid === 0 && u.additionalGids.length === 0;

/** HOME as Docker sets it when neither the image nor the build file does: the user's home. */
function withHome(env: readonly string[], home: string): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? [...env] : [...env, `HOME=${home}`];
}

/** The wrapper around `process`, and what it runs; every problem found goes to `problems`. */
function wrap(input: LaunchCheckInput, envd: CheckedEnvd, process: EffectiveProcess, user: WorkloadIdentity, problems: Diagnostic[]): Pick<LaunchManifestInput, 'wrapped'> & { argv: string[] } {
  const commandSpan = input.spans.get('/launch/entrypoint') ?? input.spans.get('/launch/cmd');
  const checked = checkWrappable(input.facts.index, process);
  problems.push(...checked.problems.map((d) => at(suggestCommand(d, process, input.facts.index), commandSpan)));
  const workload = workloadArgv(process.argv);
  let exec: readonly string[] = workload;
  if (!isRoot(user)) {
    if (!envd.execAs) {
      const values = { uid: user.uid, gid: user.gid, architecture: input.image.platform.architecture };
      problems.push(at(createDiagnostic(buildCodes.noUserSwitch, 'noExecAs', values), input.spans.get('/launch/user')));
    } else if (checked.executable) {
      exec = execAsArgv(user, checked.executable, workload);
    }
  }
  const envdCommand = envdArgv(envd);
  return { argv: wrapArgv(envdCommand, exec), wrapped: { envdArgv: envdCommand, log: ENVD_LOG_PATH, workloadArgv: workload, workloadUser: user } };
}

/** What checking the launch needs: the launch settings, the image, envd and the tree's facts. */
export type LaunchCheckInput = Pick<LaunchInput, 'launch' | 'facts' | 'spans'> & {
  readonly image: Pick<ResolvedImage, 'config' | 'platform'>;
  readonly envd?: CheckedEnvd;
};

/** envd as the launch checks need it (its digest goes only into the manifest). */
type CheckedEnvd = Omit<NonNullable<LaunchInput['envd']>, 'digest'>;

/** The process as it will start (wrapped when asked), and every problem that would stop it. */
export interface CheckedLaunch {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: WorkloadIdentity;
  readonly wrapped?: LaunchManifestInput['wrapped'];
  readonly problems: readonly Diagnostic[];
}

/**
 * Computes the process and checks it against the tree: the user and group, envd's loader, the
 * workload's executable (and /bin/sh when wrapped; unwrapped, it must not be empty), each name
 * the image lacks with a "did you mean" from the image. `cube build` and `cube check` both use
 * this, so they agree.
 */
export function checkLaunch(input: LaunchCheckInput): CheckedLaunch {
  const effective = effectiveProcess(input.image.config, input.launch);
  const problems: Diagnostic[] = [];
  const identity = resolveIdentity(effective.user, input.facts.accounts);
  if (!identity.ok) problems.push(at(suggestAccount(identity.diagnostic, effective.user, input.facts.accounts), input.spans.get('/launch/user')));
  const user = identity.ok ? identity.value : { ...ROOT, home: '/' };
  const process = { ...effective, env: withHome(effective.env, user.home) };
  const envd = input.envd;
  if (envd?.interpreter && !input.facts.index.resolve(envd.interpreter)) {
    problems.push(at(createDiagnostic(buildCodes.envdInterpreterMissing, 'missing', { interpreter: envd.interpreter }), input.spans.get('/inject')));
  }
  const commandSpan = input.spans.get('/launch/entrypoint') ?? input.spans.get('/launch/cmd');
  let launched: Pick<LaunchManifestInput, 'wrapped'> & { argv: string[] };
  if (input.launch.wrap && envd) {
    launched = wrap(input, envd, process, user, problems);
  } else {
    launched = { argv: [...process.argv] };
    const [name] = process.argv;
    if (name === undefined) {
      problems.push(at(createDiagnostic(buildCodes.emptyProcess, 'empty', {}), commandSpan));
    } else if (!resolveExecutable(input.facts.index, name, process.cwd, pathOf(process.env))) {
      // Unwrapped, the command still has to exist: the sandbox would fail to start otherwise.
      problems.push(at(suggestCommand(workloadNotFound(name, pathOf(process.env)), process, input.facts.index), commandSpan));
    }
  }
  // The wrapper starts as root so envd does; without it the platform starts the process as USER.
  return { argv: launched.argv, env: process.env, cwd: process.cwd, user: launched.wrapped ? ROOT : user, ...(launched.wrapped ? { wrapped: launched.wrapped } : {}), problems };
}

/** Computes the manifest, or throws a DiagnosticError listing every problem found. */
export function computeLaunch(input: LaunchInput): LaunchManifest {
  const checked = checkLaunch(input);
  if (checked.problems.length > 0) throw new DiagnosticError(checked.problems);
  return buildLaunchManifest({
    producedBy: input.manifestId,
    planDigest: input.planDigest,
    image: { ref: input.imageRef, digest: input.image.manifestDigest },
    artifact: { path: input.artifact.path, sha256: input.artifact.sha256, size: input.artifact.size, filesystemUuid: input.artifact.uuid },
    process: { argv: checked.argv, env: checked.env, cwd: checked.cwd, user: checked.user },
    ...(checked.wrapped ? { wrapped: checked.wrapped } : {}),
    expose: input.launch.expose,
    ...(input.envd ? { envd: { path: input.envd.imagePath, sha256: input.envd.digest, port: input.envd.port } } : {}),
  });
}
