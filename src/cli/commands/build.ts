/**
 * `cube build`: load the build file, plan it (resolving the image and hashing host inputs once),
 * explain cache misses when asked, execute the plan, and write `rootfs.ext4`, `launch.json` and
 * `plan.json` to the output directory.
 */
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cachedNodes, executeBuild } from '../../executor/build/index.js';
import { createImageSources } from '../../executor/image/index.js';
import { explainBuild, lastPlan, recordPlan, renderExplanation } from '../../planner/index.js';
import { formatImageRef, loadBuildFile } from '../../parser/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { DiagnosticError, hasErrors } from '../../core/diagnostics/index.js';
import type { Logger, ProgressSink } from '../../core/log.js';
import { createLogger, isLogFormat } from '../logger.js';
import { createProgress, progressToLog } from '../progress.js';
import { logReporter, planLoaded, planningOptions, planningSettings, planningUsage, reportDiagnostics, withSources } from './shared.js';
import { checkPolicyOf, checkPolicyOptions, checkPolicyUsage } from './check-options.js';
import { checkBuild } from '../../check/index.js';
import type { DiagnosticReporter, PlanningSettings } from './shared.js';

const usage = `Usage: cube build [options] [DIR]

Builds the template: a sealed ext4 rootfs with envd baked in, its launch manifest and its plan.
First runs every check cube check runs without the network, and stops on an error before it
resolves, pulls or writes anything.

Options:
  -o, --out OUT           output directory (default ./.cube/out/<name>)
      --name NAME         template name for the default output directory (default: the build
                          file's directory name)
      --explain           print why each plan node has to run (or that it is cached)
      --no-cache          rebuild the rootfs even when the cache holds it
      --log-format F      human (default) or json
${checkPolicyUsage}${planningUsage}
Outputs: OUT/rootfs.ext4, OUT/launch.json, OUT/plan.json. SOURCE_DATE_EPOCH, when set, gives the
timestamp of every file cube creates.
`;

const options = {
  ...planningOptions,
  ...checkPolicyOptions,
  out: { type: 'string', short: 'o' },
  name: { type: 'string' },
  explain: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  'log-format': { type: 'string' },
} as const;

/** The parsed options of `cube build`. */
type BuildValues = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('build', args, options);
  const logFormat = values['log-format'] ?? 'human';
  if (!isLogFormat(logFormat)) throw usageError('build', `--log-format must be human or json, got "${logFormat}"`);
  const settings = await planningSettings('build', context, values, positionals);
  const logger = createLogger({ format: logFormat, stream: context.stderr, color: context.interactive });
  if (logFormat === 'human') return build(context, values, settings, logger, createProgress(context.stderr, context.interactive));
  // JSON logs: diagnostics and progress become records too, so every line is one.
  const report = logReporter(logger);
  try {
    return await build(context, values, settings, logger, progressToLog(logger), report);
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    report(error.diagnostics, error.sources);
    return exitCodeFor(error.diagnostics);
  }
}

/** Loads, plans and executes the build; diagnostics it does not throw go to `report` (default: rendered). */
async function build(
  context: CommandContext,
  values: BuildValues,
  settings: PlanningSettings,
  logger: Logger,
  progress: ProgressSink,
  report: DiagnosticReporter = (diagnostics, sources) => reportDiagnostics(context, diagnostics, sources),
): Promise<ExitCode> {
  const { cacheDir } = settings;
  const loaded = await loadBuildFile({ ...settings.location, cwd: context.cwd, buildArgs: settings.buildArgs });
  const images = createImageSources({ cacheDir, env: context.env, logger, ...settings.registries });
  // Everything check finds, found before anything is resolved, pulled or written.
  const checked = await checkBuild({
    loaded,
    policy: checkPolicyOf('build', values),
    ...(settings.envdPathFlag !== undefined ? { envdPathFlag: settings.envdPathFlag } : {}),
    ...(settings.envdMaxSize !== undefined ? { envdMaxSize: settings.envdMaxSize } : {}),
    env: context.env,
    cacheDir,
    ...(settings.platform ? { platform: settings.platform } : {}),
    images,
    pull: false,
  });
  report(checked.diagnostics, checked.sources);
  if (!loaded.spec || hasErrors(checked.diagnostics)) return ExitCode.userError;
  const name = values.name ?? basename(dirname(loaded.path));
  const outDir = values.out !== undefined ? resolve(context.cwd, values.out) : join(context.cwd, '.cube', 'out', name);
  const planned = await planLoaded(context, { ...loaded, spec: loaded.spec }, settings, images.resolver, report);
  try {
    const previous = await lastPlan(cacheDir, loaded.path, 'default');
    if (values.explain) {
      const cached = await cachedNodes(cacheDir, planned.plan);
      context.stdout.write(renderExplanation(explainBuild(planned.plan, previous, cached)));
    }
    const result = await executeBuild({
      spec: loaded.spec,
      spans: loaded.spans,
      plan: planned.plan,
      inputs: planned.inputs,
      imageRef: formatImageRef(loaded.spec.from.image),
      layers: images.layers,
      cacheDir,
      outDir,
      noCache: values['no-cache'] === true,
      logger,
      progress,
    });
    await recordPlan(cacheDir, loaded.path, 'default', planned.plan);
    const shown = relative(context.cwd, dirname(result.outputs.rootfs)) || '.';
    logger.info(
      { out: result.outputs.rootfs, sha256: result.manifest.artifact.sha256, rootfs: result.rootfs },
      `built ${shown}/rootfs.ext4 (${result.rootfs === 'cached' ? 'from cache' : 'sealed now'}), launch.json, plan.json`,
    );
    return ExitCode.ok;
  } catch (error) {
    throw withSources(error, loaded);
  }
}

/** `cube build`. */
export const buildCommand: Command = { usage, run };
