/**
 * Steps several commands share: finding and loading the build file with its diagnostics, and
 * the options `build` and `plan` both take to plan a build (lock mode, platform, registries).
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DiagnosticError, renderDiagnostics } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import type { BuildSpec, Platform } from '../../core/build-spec.js';
import { DEFAULT_LIMITS } from '../../executor/flatten/index.js';
import type { FlattenLimits } from '../../executor/flatten/index.js';
import type { ImageResolver } from '../../core/image.js';
import type { Logger } from '../../core/log.js';
import { parsePlatform } from '../../core/platform.js';
import { ensureCacheRoot } from '../../core/paths.js';
import { redactUrl } from '../../core/redact.js';
import { applyPolicy, directivePolicy } from '../../lint/index.js';
import { loadBuildFile, parseSize } from '../../parser/index.js';
import type { LoadedBuildFile } from '../../parser/index.js';
import { planBuild } from '../../planner/index.js';
import type { HostFileHasher, LockMode, PlanResult } from '../../planner/index.js';
import { cacheDirOption, nameValueOptions, parseCommandArgs, usageError } from '../args.js';
import type { CommandContext } from '../command.js';
import { logDiagnostics } from '../logger.js';
import { colorEnabled } from '../terminal.js';

/** Prints diagnostics (with their source lines) to stderr. */
export function reportDiagnostics(context: CommandContext, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  if (diagnostics.length > 0) context.stderr.write(renderDiagnostics(diagnostics, sources, { color: colorEnabled(context) }));
}

/** Where a command sends the diagnostics it does not throw (warnings, the build file's errors). */
export type DiagnosticReporter = (diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>) => void;

/** Diagnostics as log records (`--log-format json`), so a log of JSON lines stays one. */
export function logReporter(logger: Logger): DiagnosticReporter {
  return (diagnostics, sources) => logDiagnostics(logger, diagnostics, sources);
}

/** Where to find the build file: `-f FILE`, or a positional DIR (or FILE) as `docker build DIR` takes. */
export interface BuildFileLocation {
  readonly file?: string;
  readonly dir?: string;
}

/**
 * The build file from `-f` and the positionals: at most one positional, naming the directory to
 * look in for `Cubefile`, else `cube.yaml` (or the build file itself); not together with `-f`.
 */
export async function buildFileLocation(command: string, cwd: string, file: string | undefined, positionals: readonly string[]): Promise<BuildFileLocation> {
  if (positionals.length > 1) throw usageError(command, 'oneDirectory', { value: positionals[1] as string });
  const [where] = positionals;
  if (where === undefined) return file !== undefined ? { file } : {};
  if (file !== undefined) throw usageError(command, 'fileAndDirectory', { file, directory: where });
  const isFile = await stat(resolve(cwd, where)).then((s) => s.isFile(), () => false);
  return isFile ? { file: where } : { dir: where };
}

/**
 * Loads the build file and prints its diagnostics. Returns undefined when it has errors, so the
 * caller exits with the user-error code.
 */
export async function loadOrReport(
  context: CommandContext,
  options: BuildFileLocation & { readonly buildArgs: ReadonlyMap<string, string> },
  report: DiagnosticReporter = (diagnostics, sources) => reportDiagnostics(context, diagnostics, sources),
): Promise<(LoadedBuildFile & { readonly spec: BuildSpec }) | undefined> {
  const loaded = await loadBuildFile({ ...options, cwd: context.cwd });
  // The file's `# check=skip=…` applies to the parser's own checks (UndefinedVar, …) here too.
  report(applyPolicy(loaded.diagnostics, directivePolicy(loaded.document).policy), sourcesOf(loaded));
  const spec = loaded.spec;
  return spec === undefined ? undefined : { ...loaded, spec };
}

/** The lockfile mode from `--locked` / `--refresh` (exclusive). */
export function lockModeOf(command: string, values: { readonly locked?: boolean; readonly refresh?: boolean }): LockMode {
  if (values.locked && values.refresh) throw usageError(command, 'lockedAndRefresh', {});
  return values.locked ? 'locked' : values.refresh ? 'refresh' : 'update';
}

/** `--insecure-registry` and `--registry-mirror R=URL` as image source options. */
export function registryOptions(
  command: string,
  values: { readonly 'insecure-registry'?: readonly string[]; readonly 'registry-mirror'?: readonly string[] },
): { insecureRegistries: string[]; mirrors: Map<string, string[]> } {
  const mirrors = new Map<string, string[]>();
  // Parsed one by one (not as a map) so several mirrors for one registry are all kept, in order.
  for (const value of values['registry-mirror'] ?? []) {
    const [[registry, url] = ['', '']] = nameValueOptions(command, '--registry-mirror', [value]);
    if (!/^https?:\/\//.test(url)) throw usageError(command, 'mirrorUrl', { registry, url: redactUrl(url) });
    mirrors.set(registry, [...(mirrors.get(registry) ?? []), url]);
  }
  return { insecureRegistries: [...(values['insecure-registry'] ?? [])], mirrors };
}

/** `--platform os/arch[/variant]`, the platform to build for when FROM names none. */
export function platformOption(command: string, value: string | undefined): { platform?: Platform } {
  if (value === undefined) return {};
  const platform = parsePlatform(value);
  if (!platform) throw usageError(command, 'platform', { value });
  return { platform };
}

/** `--envd-max-size SIZE` (with a unit, as SEAL SIZE takes it). */
export function envdMaxSizeOption(command: string, value: string | undefined): { envdMaxSize?: number } {
  if (value === undefined) return {};
  const bytes = parseSize(value);
  if (bytes === undefined) throw usageError(command, 'envdMaxSize', { value });
  return { envdMaxSize: bytes };
}

/** The options that bound what reading an image's layers may cost (`build` and `check`), for `parseArgs`. */
export const layerLimitOptions = {
  'max-layer-bytes': { type: 'string' },
  'max-image-bytes': { type: 'string' },
  'max-entries': { type: 'string' },
  'max-path-depth': { type: 'string' },
} as const;

/** The usage lines of {@link layerLimitOptions}. */
export const layerLimitUsage = `      --max-layer-bytes SIZE   the most one layer may expand to (default ${DEFAULT_LIMITS.expansion} times its
                          compressed size plus ${DEFAULT_LIMITS.floor / 1024 ** 3}GiB: a compression bomb stops early)
      --max-image-bytes SIZE   the most all layers may expand to together (default ${DEFAULT_LIMITS.expansion} times
                          their compressed size plus ${DEFAULT_LIMITS.floor / 1024 ** 3}GiB)
      --max-entries N     the most entries all layers may hold together (default ${DEFAULT_LIMITS.maxEntries})
      --max-path-depth N  the most components a path in a layer may have (default ${DEFAULT_LIMITS.maxPathDepth})
`;

/** The limits {@link layerLimitOptions} set; each one left out keeps its default. */
export function layerLimitsOf(command: string, values: { readonly [K in keyof typeof layerLimitOptions]?: string }): { limits?: FlattenLimits } {
  const size = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const bytes = parseSize(value);
    if (bytes === undefined) throw usageError(command, 'limitSize', { flag, value });
    return bytes;
  };
  const count = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value))) throw usageError(command, 'count', { flag, value });
    return Number(value);
  };
  const limits: FlattenLimits = {
    ...optional('maxLayerBytes', size('max-layer-bytes', values['max-layer-bytes'])),
    ...optional('maxImageBytes', size('max-image-bytes', values['max-image-bytes'])),
    ...optional('maxEntries', count('max-entries', values['max-entries'])),
    ...optional('maxPathDepth', count('max-path-depth', values['max-path-depth'])),
  };
  return Object.keys(limits).length > 0 ? { limits } : {};
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

/** The options `build` and `plan` share, for `parseArgs`. */
export const planningOptions = {
  file: { type: 'string', short: 'f' },
  'envd-path': { type: 'string' },
  'envd-max-size': { type: 'string' },
  'build-arg': { type: 'string', multiple: true },
  platform: { type: 'string' },
  locked: { type: 'boolean' },
  refresh: { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
} as const;

/** The usage lines of {@link planningOptions}. */
export const planningUsage = `  -f, --file FILE         the build file (default DIR/Cubefile, else DIR/cube.yaml; DIR is the
                          positional argument, default the current directory)
      --envd-path PATH    host envd binary (overrides INJECT envd PATH and $CUBE_ENVD_PATH)
      --envd-max-size SIZE   the largest envd accepted (default 16MiB, as CubeSandbox)
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

/** The values of {@link planningOptions} after parsing. */
export type PlanningValues = ReturnType<typeof parseCommandArgs<typeof planningOptions>>['values'];

/** What `build` and `plan` take from their command line, checked before anything is read. */
export interface PlanningSettings {
  readonly location: BuildFileLocation;
  readonly buildArgs: ReadonlyMap<string, string>;
  readonly lock: LockMode;
  readonly platform?: Platform;
  readonly envdPathFlag?: string;
  readonly envdMaxSize?: number;
  readonly cacheDir: string;
  readonly registries: ReturnType<typeof registryOptions>;
}

/** Checks the shared options; every mistake is a usage error before any file is read. */
export async function planningSettings(command: string, context: CommandContext, values: PlanningValues, positionals: readonly string[]): Promise<PlanningSettings> {
  return {
    location: await buildFileLocation(command, context.cwd, values.file, positionals),
    buildArgs: nameValueOptions(command, '--build-arg', values['build-arg']),
    lock: lockModeOf(command, values),
    ...platformOption(command, values.platform),
    ...(values['envd-path'] !== undefined ? { envdPathFlag: resolve(context.cwd, values['envd-path']) } : {}),
    ...envdMaxSizeOption(command, values['envd-max-size']),
    cacheDir: cacheDirOption(context, values['cache-dir']),
    registries: registryOptions(command, values),
  };
}

/**
 * Plans the loaded build file and prints the planner's warnings. Diagnostics thrown without
 * source texts get the build file's, so they print with their source lines.
 */
export async function planLoaded(
  context: CommandContext,
  loaded: LoadedBuildFile & { readonly spec: BuildSpec },
  settings: PlanningSettings,
  resolver: ImageResolver,
  report: DiagnosticReporter = (diagnostics, sources) => reportDiagnostics(context, diagnostics, sources),
  hasher?: HostFileHasher,
): Promise<PlanResult> {
  try {
    await ensureCacheRoot(settings.cacheDir);
    const planned = await planBuild({
      ...(hasher ? { hasher } : {}),
      spec: loaded.spec,
      spans: loaded.spans,
      buildFile: loaded.path,
      contextDir: dirname(loaded.path),
      ...(settings.envdPathFlag !== undefined ? { envdPathFlag: settings.envdPathFlag } : {}),
      ...(settings.envdMaxSize !== undefined ? { envdMaxSize: settings.envdMaxSize } : {}),
      env: context.env,
      resolver,
      cacheDir: settings.cacheDir,
      lock: settings.lock,
      ...(settings.platform ? { platform: settings.platform } : {}),
    });
    report(planned.diagnostics, sourcesOf(loaded));
    return planned;
  } catch (error) {
    throw withSources(error, loaded);
  }
}

/** The build file's text by its display path, for the renderer. */
export function sourcesOf(loaded: LoadedBuildFile): Map<string, string> {
  return new Map([[loaded.displayPath, loaded.text]]);
}

/** A DiagnosticError without source texts gets the build file's; anything else is returned as is. */
export function withSources(error: unknown, loaded: LoadedBuildFile): unknown {
  return error instanceof DiagnosticError && error.sources.size === 0 ? new DiagnosticError(error.diagnostics, sourcesOf(loaded)) : error;
}
