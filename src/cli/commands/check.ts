/**
 * `cube check`: everything that can be found wrong without building, printed at once in file
 * order: the build file's errors and check rules, the build context, the envd binary and, when
 * the base image is at hand (or with --pull), the image checks. As text, JSON or SARIF.
 */
import { resolve } from 'node:path';
import { checkBuild } from '../../check/index.js';
import type { CheckReport } from '../../check/index.js';
import { diagnosticsToJson, diagnosticsToSarif, hasErrors } from '../../core/diagnostics/index.js';
import { CUBE_VERSION } from '../../core/version.js';
import { createImageSources } from '../../executor/image/index.js';
import { loadBuildFile } from '../../parser/index.js';
import { cacheDirOption, nameValueOptions, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ensureCacheRoot } from '../../core/paths.js';
import { ExitCode } from '../exit-codes.js';
import { checkPolicyCompletion, checkPolicyOf, checkPolicyOptions, checkPolicyUsage } from './check-options.js';
import { buildFileLocation, envdMaxSizeOption, layerLimitOptions, layerLimitsOf, layerLimitUsage, platformOption, registryOptions, reportDiagnostics } from './shared.js';

const usage = `Usage: cube check [options] [DIR]

Finds every problem cube can find without building, and prints them all at once in file order,
each with its file:line:col, the source line and a hint: errors in the build file, the check
rules (docs/checks.md), COPY sources missing from the build context, the envd binary and, when
the base image is at hand (a local oci-layout: or docker-archive:, a registry image in the
cache, or with --pull), USER and --chown names, the command on the image's PATH, /bin/sh for
ENTRYPOINT wrap and SEAL SIZE. Exits 0 when there are no errors (warnings allowed), 1 otherwise.

Options:
  -f, --file FILE         the build file (default DIR/Cubefile, else DIR/cube.yaml; DIR is the
                          positional argument, default the current directory)
      --build-arg K=V     set a build argument (repeatable)
      --envd-path PATH    host envd binary (overrides INJECT envd PATH and $CUBE_ENVD_PATH)
      --envd-max-size SIZE   the largest envd accepted (default 16MiB, as CubeSandbox)
      --platform OS/ARCH  the platform to check for when FROM names none (default: the host's)
      --pull              fetch the base image when it is not in the cache, for the image checks
      --cache-dir DIR     cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
      --insecure-registry HOST   allow plain HTTP to HOST[:PORT] (with --pull; repeatable)
      --registry-mirror R=URL    try URL before registry R (with --pull; repeatable)
${layerLimitUsage}${checkPolicyUsage}      --format F          human (default), json (for editors) or sarif (SARIF 2.1.0, for
                          GitHub code scanning)
`;

const options = {
  file: { type: 'string', short: 'f' },
  'build-arg': { type: 'string', multiple: true },
  'envd-path': { type: 'string' },
  'envd-max-size': { type: 'string' },
  platform: { type: 'string' },
  pull: { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
  ...layerLimitOptions,
  ...checkPolicyOptions,
  format: { type: 'string' },
} as const;

const FORMATS = ['human', 'json', 'sarif'] as const;

/** Prints the report in `format` and returns the exit code. */
function print(context: CommandContext, format: (typeof FORMATS)[number], file: string, report: CheckReport): ExitCode {
  const failed = hasErrors(report.diagnostics);
  if (format === 'sarif') {
    context.stdout.write(JSON.stringify(diagnosticsToSarif(report.diagnostics, report.sources, { toolVersion: CUBE_VERSION, file }), null, 2) + '\n');
  } else if (format === 'json') {
    const image = report.imageSkipped === undefined ? { checked: true } : { checked: false, reason: report.imageSkipped };
    context.stdout.write(JSON.stringify({ file, ok: !failed, image, diagnostics: diagnosticsToJson(report.diagnostics, report.sources) }, null, 2) + '\n');
  } else {
    reportDiagnostics(context, report.diagnostics, report.sources);
    if (report.imageSkipped !== undefined) context.stderr.write(`cube: note: image checks skipped: ${report.imageSkipped}\n`);
    if (!failed) context.stdout.write(`${file}: ok\n`);
  }
  return failed ? ExitCode.userError : ExitCode.ok;
}

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('check', args, options);
  const format = values.format ?? 'human';
  if (!(FORMATS as readonly string[]).includes(format)) throw usageError('check', 'checkFormat', { value: format });
  const policy = checkPolicyOf('check', values);
  const buildArgs = nameValueOptions('check', '--build-arg', values['build-arg']);
  const platform = platformOption('check', values.platform);
  const limits = layerLimitsOf('check', values);
  const cacheDir = cacheDirOption(context, values['cache-dir']);
  const location = await buildFileLocation('check', context.cwd, values.file, positionals);
  const loaded = await loadBuildFile({ ...location, cwd: context.cwd, buildArgs });
  const images = createImageSources({ cacheDir, env: context.env, ...registryOptions('check', values) });
  await ensureCacheRoot(cacheDir);
  const report = await checkBuild({
    loaded,
    policy,
    ...(values['envd-path'] !== undefined ? { envdPathFlag: resolve(context.cwd, values['envd-path']) } : {}),
    ...envdMaxSizeOption('check', values['envd-max-size']),
    env: context.env,
    cacheDir,
    ...platform,
    images,
    pull: values.pull === true,
    ...limits,
  });
  return print(context, format as (typeof FORMATS)[number], loaded.displayPath, report);
}

/** `cube check`. */
export const checkCommand: Command = { usage, options, completion: { values: { format: FORMATS, ...checkPolicyCompletion() } }, run };
