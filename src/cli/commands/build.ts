/**
 * `cube build`: load the build file, plan it (resolving the image and hashing host inputs once),
 * explain cache misses when asked, execute the plan, and write `rootfs.ext4`, `launch.json` and
 * `plan.json` to the output directory.
 */
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cachedNodes, executeBuild, lookupArtifact } from '../../executor/build/index.js';
import { RegistryCache, repositoryText } from '../../executor/remote-cache/index.js';
import { createImageSources } from '../../executor/image/index.js';
import type { ImageSources } from '../../executor/image/index.js';
import { explainBuild, HostFileHasher, lastPlan, recordPlan, renderExplanation } from '../../planner/index.js';
import { ensureCacheRoot } from '../../core/paths.js';
import { loadBuildFile } from '../../parser/index.js';
import type { LoadedBuildFile } from '../../parser/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { DiagnosticError, hasErrors } from '../../core/diagnostics/index.js';
import { shortDigest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { formatBytes, formatDuration } from '../../core/format.js';
import type { Explanation, Plan } from '../../planner/index.js';
import { layerLimitOptions, layerLimitsOf, layerLimitUsage, planLoaded, planningOptions, planningSettings, planningUsage, withSources } from './shared.js';
import type { DiagnosticReporter } from './shared.js';
import type { PlanningSettings } from './shared.js';
import { checkPolicyCompletion, checkPolicyOf, checkPolicyOptions, checkPolicyUsage } from './check-options.js';
import { checkBuild } from '../../check/index.js';
import type { CheckReport } from '../../check/index.js';
import { keepStamp } from './build-stamp.js';
import { buildMetadata, writeMetadataFile } from './build-metadata.js';
import { commandOutput, outputCompletion, outputOptions, outputUsage, timedStep } from './output-options.js';
import type { CommandOutput } from './output-options.js';
import { remoteCacheOptions, remoteCacheRefs, remoteCacheUsage } from './registry-refs.js';

const usage = `Usage: cube build [options] [DIR]

Builds the template: a sealed ext4 rootfs with envd baked in, its launch manifest and its plan.
First runs every check cube check runs without the network, and stops on an error before it
resolves, pulls or writes anything.

Options:
  -o, --out OUT           output directory (default ./.cube/out/<name>)
      --name NAME         template name for the default output directory (default: the build
                          file's directory name)
  -q, --quiet             print only the artifact digest on stdout; only warnings and errors
                          on stderr
      --metadata-file F   write the artifact digest and size, the plan and launch.json digests,
                          the output paths and the cache hits to F as JSON
      --explain           print why each plan node has to run (or that it is cached), citing
                          the build file line that set each changed field
      --no-cache          rebuild the rootfs even when the cache holds it
${remoteCacheUsage}${outputUsage}${checkPolicyUsage}${planningUsage}${layerLimitUsage}
Outputs: OUT/rootfs.ext4, OUT/launch.json, OUT/plan.json. SOURCE_DATE_EPOCH, when set, gives the
timestamp of every file cube creates.
`;

const options = {
  ...planningOptions,
  ...layerLimitOptions,
  ...checkPolicyOptions,
  ...outputOptions,
  ...remoteCacheOptions,
  out: { type: 'string', short: 'o' },
  name: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  'metadata-file': { type: 'string' },
  explain: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
} as const;

/** The parsed options of `cube build`. */
type BuildValues = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('build', args, options);
  const output = commandOutput('build', context, values, values.quiet === true);
  const settings = await planningSettings('build', context, values, positionals);
  const limits = layerLimitsOf('build', values);
  const remote = remoteCacheRefs('build', context, values);
  try {
    return await build(context, ['build', ...args], values, { ...settings, ...limits, remote }, output);
  } catch (error) {
    // Reported here (not by main) so a JSON log keeps one logger, and its records stay in order.
    if (!(error instanceof DiagnosticError)) throw error;
    output.report(error.diagnostics, error.sources);
    return exitCodeFor(error.diagnostics);
  }
}

/** What `cube check` would find, without the network, with the hasher the plan then shares. */
function checkFirst(context: CommandContext, values: BuildValues, settings: PlanningSettings & ReturnType<typeof layerLimitsOf>, parts: { loaded: LoadedBuildFile; images: ImageSources; hasher: HostFileHasher }): Promise<CheckReport> {
  return checkBuild({
    ...parts,
    policy: checkPolicyOf('build', values),
    ...(settings.envdPathFlag !== undefined ? { envdPathFlag: settings.envdPathFlag } : {}),
    ...(settings.envdMaxSize !== undefined ? { envdMaxSize: settings.envdMaxSize } : {}),
    env: context.env,
    cacheDir: settings.cacheDir,
    ...(settings.platform ? { platform: settings.platform } : {}),
    pull: false,
    ...(settings.limits ? { limits: settings.limits } : {}),
  });
}

/** Loads, checks, plans and executes the build, reporting through `output`. */
async function build(
  context: CommandContext,
  args: readonly string[],
  values: BuildValues,
  settings: PlanningSettings & ReturnType<typeof layerLimitsOf> & { remote: ReturnType<typeof remoteCacheRefs> },
  output: CommandOutput,
): Promise<ExitCode> {
  const { cacheDir } = settings;
  const { logger } = output;
  // Counted: a build that showed a diagnostic is not stamped, so the next run shows it again.
  let shown = 0;
  const report: DiagnosticReporter = (diagnostics, sources) => {
    shown += diagnostics.length;
    output.report(diagnostics, sources);
  };
  const started = Date.now();
  const loaded = await loadBuildFile({ ...settings.location, cwd: context.cwd, buildArgs: settings.buildArgs });
  const images = createImageSources({ cacheDir, env: context.env, logger, ...settings.registries });
  await ensureCacheRoot(cacheDir);
  // One hasher for the checks and the plan: every host file is read and hashed once.
  const hasher = new HostFileHasher(cacheDir);
  await hasher.load();
  // Everything check finds, found before anything is resolved, pulled or written.
  const checked = await timedStep(logger, 'check', () => checkFirst(context, values, settings, { loaded, images, hasher }), () => `checked ${loaded.displayPath}`);
  report(checked.diagnostics, checked.sources);
  if (!loaded.spec || hasErrors(checked.diagnostics)) return ExitCode.userError;
  const spec = loaded.spec;
  const name = values.name ?? basename(dirname(loaded.path));
  const planned = await timedStep(logger, 'plan', () => planLoaded(context, { ...loaded, spec }, settings, images.resolver, report, hasher), (p) => `planned ${p.plan.nodes.length} nodes`);
  try {
    const remote = settings.remote.from.length > 0 || settings.remote.to ? new RegistryCache({ ...settings.remote, name, cacheDir, registries: images, logger, warn: (d) => report([d], new Map()) }) : undefined;
    if (values.explain) explain(context, output, values.quiet === true, await explanations(cacheDir, planned.plan, await lastPlan(cacheDir, loaded.path, 'default'), remote));
    const result = await executeBuild({
      spans: loaded.spans,
      plan: planned.plan,
      inputs: planned.inputs,
      layers: images.layers,
      cacheDir,
      outDir: values.out !== undefined ? resolve(context.cwd, values.out) : join(context.cwd, '.cube', 'out', name),
      noCache: values['no-cache'] === true,
      ...(settings.limits ? { limits: settings.limits } : {}),
      ...(remote ? { remote } : {}),
      logger,
      progress: output.progress,
    });
    await recordPlan(cacheDir, loaded.path, 'default', planned.plan);
    const metadata = await buildMetadata(result);
    if (values['metadata-file'] !== undefined) await writeMetadataFile(resolve(context.cwd, values['metadata-file']), metadata);
    const where = relative(context.cwd, dirname(result.outputs.rootfs)) || '.';
    const seconds = (Date.now() - started) / 1000;
    const size = formatBytes(metadata['cube.artifact.size']);
    const digest = result.manifest.artifact.sha256 as Digest;
    logger.info(
      { event: 'result', ...metadata, seconds },
      `built ${where}/rootfs.ext4 (${{ cached: 'from cache', remote: 'from the remote cache', built: result.base ? 'sealed now from the flattened base' : 'sealed now' }[result.rootfs]}, ${size}, ${shortDigest(digest)}), launch.json, plan.json in ${formatDuration(seconds)}`,
    );
    if (values.quiet) context.stdout.write(`${digest}\n`);
    if (shown === 0) {
      const outputs = [...Object.values(result.outputs), ...(values['metadata-file'] !== undefined ? [resolve(context.cwd, values['metadata-file'])] : [])];
      const message = `up to date: ${where}/rootfs.ext4 (${size}, ${shortDigest(digest)}), launch.json, plan.json`;
      // Only an optimisation of the next run: a cache that cannot take it is no error.
      await keepStamp(context, { args, cacheDir, buildFile: loaded.path, spec, hasher, outputs, started, digest, message, fields: { ...metadata } }).catch(() => undefined);
    }
    return ExitCode.ok;
  } catch (error) {
    throw withSources(error, loaded);
  }
}

/** Why each node runs; a seal node the local cache lacks is asked of each --cache-from (HEAD, nothing fetched). */
async function explanations(cacheDir: string, plan: Plan, previous: Plan | undefined, remote: RegistryCache | undefined): Promise<Explanation[]> {
  const local = (await lookupArtifact(cacheDir, plan.roots.seal)).state === 'hit';
  const found = remote && !local ? await remote.locate(plan.roots.seal) : undefined;
  const searched = local || found || !remote ? [] : remote.options.from.map(repositoryText);
  return explainBuild(plan, previous, await cachedNodes(cacheDir, plan, found), searched);
}

/** `--explain`: a table on stdout, on stderr with `-q` (stdout then holds the digest alone), or `explain` records. */
function explain(context: CommandContext, output: CommandOutput, quiet: boolean, explanations: readonly Explanation[]): void {
  if (output.format === 'json') {
    for (const e of explanations) output.logger.info({ event: 'explain', ...e }, `${e.key}: ${e.reason}`);
    return;
  }
  (quiet ? context.stderr : context.stdout).write(renderExplanation(explanations));
}

/** `cube build`. */
export const buildCommand: Command = { usage, options, completion: { values: { ...outputCompletion, ...checkPolicyCompletion() } }, run };
