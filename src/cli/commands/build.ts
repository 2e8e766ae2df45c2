/**
 * `cube build`: load the build file, plan it (resolving the image and hashing host inputs once),
 * explain cache misses when asked, execute the plan, and write `rootfs.ext4`, `launch.json` and
 * `plan.json` to the output directory.
 */
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { cacheDirectory } from '../../core/paths.js';
import { cachedNodes, executeBuild } from '../../executor/build/index.js';
import { createImageSources } from '../../executor/image/index.js';
import { explainBuild, lastPlan, planBuild, recordPlan, renderExplanation } from '../../planner/index.js';
import { formatImageRef } from '../../parser/index.js';
import { nameValueOptions, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { createLogger, isLogFormat } from '../logger.js';
import { createProgress } from '../progress.js';
import { loadOrReport, lockModeOf, platformOption, registryOptions, reportDiagnostics } from './shared.js';

const usage = `Usage: cube build [options]

Builds the template: a sealed ext4 rootfs with envd baked in, its launch manifest and its plan.

Options:
  -f, --file FILE         the Cubefile or cube.yaml (default ./Cubefile, else ./cube.yaml)
  -o, --out DIR           output directory (default ./.cube/out/<name>)
      --name NAME         template name for the default output directory (default: the build
                          file's directory name)
      --envd-path PATH    host envd binary (overrides INJECT envd PATH and $CUBE_ENVD_PATH)
      --build-arg K=V     set a build argument (repeatable)
      --platform OS/ARCH  the platform to build for when FROM names none (default: the host's,
                          e.g. linux/amd64); an image for another platform is refused
      --locked            fail if an image reference resolves differently from Cubefile.lock
      --refresh           re-resolve image references and update Cubefile.lock
      --explain           print why each plan node has to run (or that it is cached)
      --no-cache          rebuild the rootfs even when the cache holds it
      --log-format F      human (default) or json
      --cache-dir DIR     cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
      --insecure-registry HOST   allow plain HTTP to HOST[:PORT] (loopback always may; repeatable)
      --registry-mirror R=URL    try URL before registry R (e.g. docker.io=https://mirror.local;
                          repeatable; credentials are never sent to a mirror)

Outputs: DIR/rootfs.ext4, DIR/launch.json, DIR/plan.json. SOURCE_DATE_EPOCH, when set, gives the
timestamp of every file cube creates.
`;

const options = {
  file: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  name: { type: 'string' },
  'envd-path': { type: 'string' },
  'build-arg': { type: 'string', multiple: true },
  platform: { type: 'string' },
  locked: { type: 'boolean' },
  refresh: { type: 'boolean' },
  explain: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  'log-format': { type: 'string' },
  'cache-dir': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
} as const;

function epochOf(env: CommandContext['env']): number {
  const value = env.SOURCE_DATE_EPOCH;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values } = parseCommandArgs('build', args, options);
  const logFormat = values['log-format'] ?? 'human';
  if (!isLogFormat(logFormat)) throw usageError('build', `--log-format must be human or json, got "${logFormat}"`);
  const logger = createLogger({ format: logFormat, stream: context.stderr, color: context.interactive });
  const progress = createProgress(context.stderr, context.interactive && logFormat === 'human');
  const buildArgs = nameValueOptions('build', '--build-arg', values['build-arg']);
  const lock = lockModeOf('build', values);
  const platform = platformOption('build', values.platform);
  const loaded = await loadOrReport(context, { ...(values.file !== undefined ? { file: values.file } : {}), buildArgs });
  if (!loaded) return ExitCode.userError;
  const sources = new Map([[loaded.displayPath, loaded.text]]);
  const cacheDir = values['cache-dir'] !== undefined ? resolve(context.cwd, values['cache-dir']) : cacheDirectory(context.env);
  const buildDir = dirname(loaded.path);
  const name = values.name ?? basename(buildDir);
  const outDir = values.out !== undefined ? resolve(context.cwd, values.out) : join(context.cwd, '.cube', 'out', name);
  const images = createImageSources({ cacheDir, env: context.env, logger, ...registryOptions('build', values) });
  try {
    const planned = await planBuild({
      spec: loaded.spec,
      spans: loaded.spans,
      buildFile: loaded.path,
      contextDir: buildDir,
      ...(values['envd-path'] !== undefined ? { envdPathFlag: resolve(context.cwd, values['envd-path']) } : {}),
      env: context.env,
      resolver: images.resolver,
      cacheDir,
      lock,
      ...platform,
    });
    reportDiagnostics(context, planned.diagnostics, sources);
    const previous = await lastPlan(cacheDir, loaded.path, 'default');
    if (values.explain) {
      const cached = await cachedNodes(cacheDir, outDir, planned.plan);
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
      epoch: epochOf(context.env),
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
    if (error instanceof DiagnosticError && error.sources.size === 0) throw new DiagnosticError(error.diagnostics, sources);
    throw error;
  }
}

/** `cube build`. */
export const buildCommand: Command = { usage, run };
