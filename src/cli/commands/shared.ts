/** Steps several commands share: loading the build file with its diagnostics, and lock modes. */
import { renderDiagnostics } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import type { BuildSpec, Platform } from '../../core/build-spec.js';
import { parsePlatform } from '../../core/platform.js';
import { loadBuildFile } from '../../parser/index.js';
import type { LoadedBuildFile } from '../../parser/index.js';
import { nameValueOptions, usageError } from '../args.js';
import type { CommandContext } from '../command.js';

/** Prints diagnostics (with their source lines) to stderr. */
export function reportDiagnostics(context: CommandContext, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  if (diagnostics.length > 0) context.stderr.write(renderDiagnostics(diagnostics, sources, { color: context.interactive }));
}

/**
 * Loads the build file (`-f`, else ./Cubefile, else ./cube.yaml) and prints its diagnostics.
 * Returns undefined when it has errors, so the caller exits with the user-error code.
 */
export async function loadOrReport(
  context: CommandContext,
  options: { readonly file?: string; readonly buildArgs: ReadonlyMap<string, string> },
): Promise<(LoadedBuildFile & { readonly spec: BuildSpec }) | undefined> {
  const loaded = await loadBuildFile({ ...(options.file !== undefined ? { file: options.file } : {}), cwd: context.cwd, buildArgs: options.buildArgs });
  reportDiagnostics(context, loaded.diagnostics, new Map([[loaded.displayPath, loaded.text]]));
  const spec = loaded.spec;
  return spec === undefined ? undefined : { ...loaded, spec };
}

/** The lockfile mode from `--locked` / `--refresh` (exclusive). */
export function lockModeOf(command: string, values: { readonly locked?: boolean; readonly refresh?: boolean }): 'update' | 'locked' | 'refresh' {
  if (values.locked && values.refresh) throw usageError(command, '--locked and --refresh cannot be used together');
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
    if (!/^https?:\/\//.test(url)) throw usageError(command, `--registry-mirror ${registry}=${url}: the mirror must be an http(s) URL`);
    mirrors.set(registry, [...(mirrors.get(registry) ?? []), url]);
  }
  return { insecureRegistries: [...(values['insecure-registry'] ?? [])], mirrors };
}

/** `--platform os/arch[/variant]`, the platform to build for when FROM names none. */
export function platformOption(command: string, value: string | undefined): { platform?: Platform } {
  if (value === undefined) return {};
  const platform = parsePlatform(value);
  if (!platform) throw usageError(command, `--platform "${value}" is not os/arch[/variant] (e.g. linux/amd64, linux/arm64/v8)`);
  return { platform };
}
