/** `cube plan`: resolve inputs and print the content-addressed plan, as a tree or as JSON. */
import { dirname, resolve } from 'node:path';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { cacheDirectory } from '../../core/paths.js';
import { createImageSources } from '../../executor/image/index.js';
import { planBuild, planToJson, renderPlanTree } from '../../planner/index.js';
import { nameValueOptions, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadOrReport, lockModeOf, platformOption, registryOptions, reportDiagnostics } from './shared.js';

const usage = `Usage: cube plan [options]

Resolves the base image (through Cubefile.lock) and hashes every host input once, then prints
the plan: each node's kind, short id, what it is and where in the build file it came from.

Options:
  -f, --file FILE         the Cubefile or cube.yaml (default ./Cubefile, else ./cube.yaml)
      --json              print the full plan as JSON (schema: grammar/plan.schema.json)
      --envd-path PATH    host envd binary (overrides INJECT envd PATH and $CUBE_ENVD_PATH)
      --build-arg K=V     set a build argument (repeatable)
      --platform OS/ARCH  the platform to build for when FROM names none (default: the host's,
                          e.g. linux/amd64); an image for another platform is refused
      --locked            fail if an image reference resolves differently from Cubefile.lock
      --refresh           re-resolve image references and update Cubefile.lock
      --cache-dir DIR     cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
      --insecure-registry HOST   allow plain HTTP to HOST[:PORT] (loopback always may; repeatable)
      --registry-mirror R=URL    try URL before registry R (e.g. docker.io=https://mirror.local;
                          repeatable; credentials are never sent to a mirror)
`;

const options = {
  file: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  'envd-path': { type: 'string' },
  'build-arg': { type: 'string', multiple: true },
  platform: { type: 'string' },
  locked: { type: 'boolean' },
  refresh: { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
} as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('plan', args, options);
  if (positionals.length > 0) throw usageError('plan', `unexpected argument "${positionals[0]}" (name the file with -f)`);
  const buildArgs = nameValueOptions('plan', '--build-arg', values['build-arg']);
  const lock = lockModeOf('plan', values);
  const platform = platformOption('plan', values.platform);
  const loaded = await loadOrReport(context, { ...(values.file !== undefined ? { file: values.file } : {}), buildArgs });
  if (!loaded) return ExitCode.userError;
  const cacheDir = values['cache-dir'] !== undefined ? resolve(context.cwd, values['cache-dir']) : cacheDirectory(context.env);
  try {
    const planned = await planBuild({
      spec: loaded.spec,
      spans: loaded.spans,
      buildFile: loaded.path,
      contextDir: dirname(loaded.path),
      ...(values['envd-path'] !== undefined ? { envdPathFlag: resolve(context.cwd, values['envd-path']) } : {}),
      env: context.env,
      resolver: createImageSources({ cacheDir, env: context.env, ...registryOptions('plan', values) }).resolver,
      cacheDir,
      lock,
      ...platform,
    });
    reportDiagnostics(context, planned.diagnostics, new Map([[loaded.displayPath, loaded.text]]));
    context.stdout.write(values.json ? planToJson(planned.plan) : renderPlanTree(planned.plan));
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof DiagnosticError && error.sources.size === 0) throw new DiagnosticError(error.diagnostics, new Map([[loaded.displayPath, loaded.text]]));
    throw error;
  }
}

/** `cube plan`. */
export const planCommand: Command = { usage, run };
