/**
 * Everything cube can find wrong before it builds, found at once: the build file's errors and
 * check rules (src/lint), the build context and the envd binary (through the planner's own
 * resolution), and, when the base image is at hand, the image checks (through the executor's
 * own steps and launch checks). `cube check` prints the result; `cube build` stops on it before
 * it writes anything. Findings come in file order, with the check policy applied.
 */
import { dirname } from 'node:path';
import type { Platform } from '../core/build-spec.js';
import { hostPlatform } from '../core/platform.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import type { FlattenLimits } from '../executor/flatten/index.js';
import type { ImageSources } from '../executor/image/index.js';
import { applyPolicy, combinePolicies, directivePolicy, lintBuildFile } from '../lint/index.js';
import type { CheckPolicy } from '../lint/index.js';
import type { LoadedBuildFile } from '../parser/index.js';
import { HostFileHasher } from '../planner/index.js';
import { contextFindings, envdFindings } from './context-checks.js';
import { imageAtHand, imageFindings } from './image-checks.js';

/** What to check and how. */
export interface CheckInput {
  readonly loaded: LoadedBuildFile;
  /** The command line's policy (`--skip`, `--strict`); the file's `# check=` is added to it. */
  readonly policy: CheckPolicy;
  readonly envdPathFlag?: string;
  /** `--envd-max-size`: the largest envd accepted. */
  readonly envdMaxSize?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cacheDir: string;
  readonly platform?: Platform;
  readonly images: ImageSources;
  /** Fetch the base image from its registry when it is not at hand. */
  readonly pull: boolean;
  /** A loaded hasher to share with the planning that follows (`cube build`). */
  readonly hasher?: HostFileHasher;
  /** What reading the image's layers may cost (`--max-layer-bytes` and the like). */
  readonly limits?: FlattenLimits;
}

/** All findings, and what the renderer needs to show them. */
export interface CheckReport {
  /** In file order: the build file's by position, then other files', then those with no place. */
  readonly diagnostics: readonly Diagnostic[];
  /** Source texts by file name: the build file's, and any other a finding points into. */
  readonly sources: ReadonlyMap<string, string>;
  /** Why the image checks did not run, when they did not. */
  readonly imageSkipped?: string;
}

/** Sorts findings: the build file's by offset, then other files' by name and offset, then span-less ones. */
function inFileOrder(diagnostics: readonly Diagnostic[], buildFile: string): Diagnostic[] {
  const rank = (d: Diagnostic): [number, string, number] => (d.span ? [d.span.file === buildFile ? 0 : 1, d.span.file, d.span.start] : [2, '', 0]);
  return [...diagnostics].sort((a, b) => {
    const [ra, fa, sa] = rank(a);
    const [rb, fb, sb] = rank(b);
    return ra - rb || fa.localeCompare(fb) || sa - sb;
  });
}

/** Runs every check that is possible without the network (and the image's, with `pull`). */
export async function checkBuild(input: CheckInput): Promise<CheckReport> {
  const { loaded } = input;
  const sources = new Map([[loaded.displayPath, loaded.text]]);
  const directive = directivePolicy(loaded.document);
  const found: Diagnostic[] = [...loaded.diagnostics, ...directive.diagnostics];
  found.push(...lintBuildFile({ document: loaded.document, text: loaded.text, spans: loaded.spans, ...(loaded.spec ? { spec: loaded.spec } : {}) }));
  let imageSkipped: string | undefined;
  if (loaded.spec) {
    const { spec, spans } = loaded;
    const contextDir = dirname(loaded.path);
    const atHand = await imageAtHand({ spec, spans, buildFile: loaded.path, contextDir, images: input.images, pull: input.pull, ...(input.platform ? { platform: input.platform } : {}) });
    imageSkipped = atHand.skipped;
    const hasher = input.hasher ?? new HostFileHasher(input.cacheDir);
    if (!input.hasher) await hasher.load();
    const context = await contextFindings(spec, spans, contextDir, hasher);
    // envd must be built for the image's architecture; without the image, for the one asked for.
    const architecture = atHand.image?.platform.architecture ?? (spec.from.platform ?? input.platform ?? hostPlatform()).architecture;
    const envd = await envdFindings(spec, spans, {
      buildFile: loaded.path,
      ...(input.envdPathFlag !== undefined ? { flag: input.envdPathFlag } : {}),
      ...(input.envdMaxSize !== undefined ? { maxSize: input.envdMaxSize } : {}),
      env: input.env,
      hasher,
      architecture,
    });
    await hasher.save();
    const image = atHand.image
      ? await imageFindings({ spec, spans, images: input.images, cacheDir: input.cacheDir, steps: context.steps, ...(envd.envd ? { envd: envd.envd } : {}), ...(input.limits ? { limits: input.limits } : {}) }, atHand.image)
      : undefined;
    for (const findings of [atHand, context, envd, ...(image ? [image] : [])]) {
      found.push(...findings.diagnostics);
      for (const [file, text] of findings.sources) sources.set(file, text);
    }
  }
  const diagnostics = inFileOrder(applyPolicy(found, combinePolicies(directive.policy, input.policy)), loaded.displayPath);
  return { diagnostics, sources, ...(imageSkipped !== undefined ? { imageSkipped } : {}) };
}
