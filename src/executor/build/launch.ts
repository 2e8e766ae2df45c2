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
import type { ResolvedImage } from '../../core/image.js';
import { buildLaunchManifest, checkWrappable, effectiveProcess, resolveUser, splitUserSpec, wrapArgv } from '../launch/index.js';
import type { LaunchManifest } from '../launch/index.js';
import type { RootfsFacts } from './rootfs-facts.js';

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

/** Computes the manifest, or throws a DiagnosticError listing every problem found. */
export function computeLaunch(input: LaunchInput): LaunchManifest {
  const process = effectiveProcess(input.image.config, input.launch);
  const commandSpan = input.spans.get('/launch/entrypoint') ?? input.spans.get('/launch/cmd');
  const problems: Diagnostic[] = [];
  let argv: string[];
  if (input.launch.wrap && input.envd) {
    problems.push(...checkWrappable(input.facts.index, process).map((d) => at(d, commandSpan)));
    argv = wrapArgv(process.argv, input.envd);
  } else {
    argv = [...process.argv];
    if (argv.length === 0) {
      problems.push(at(createDiagnostic(buildCodes.emptyProcess, 'the image and the build file give no command to run'), commandSpan));
    }
  }
  let uid = 0;
  let gid = 0;
  if (process.user !== '') {
    const { user, group } = splitUserSpec(process.user);
    const resolved = resolveUser(user, group, input.facts.accounts);
    if (resolved.ok) ({ uid, gid } = resolved.value);
    else problems.push(at(resolved.diagnostic, input.spans.get('/launch/user')));
  }
  if (problems.length > 0) throw new DiagnosticError(problems);
  return buildLaunchManifest({
    producedBy: input.manifestId,
    planDigest: input.planDigest,
    image: { ref: input.imageRef, digest: input.image.manifestDigest },
    artifact: { path: input.artifact.path, sha256: input.artifact.sha256, size: input.artifact.size, filesystemUuid: input.artifact.uuid },
    process: { argv, env: process.env, cwd: process.cwd, uid, gid },
    expose: input.launch.expose,
    ...(input.envd ? { envd: { path: input.envd.imagePath, sha256: input.envd.sha256, port: input.envd.port } } : {}),
  });
}
