/** Runs every offline check on the build file in a directory, with a throwaway cache. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBuild } from '../../src/check/index.js';
import type { CheckReport } from '../../src/check/index.js';
import { renderDiagnostics } from '../../src/core/diagnostics/index.js';
import { createImageSources } from '../../src/executor/image/index.js';
import { DEFAULT_POLICY } from '../../src/lint/index.js';
import type { CheckPolicy } from '../../src/lint/index.js';
import { loadBuildFile } from '../../src/parser/index.js';

/** Options of {@link checkDir}. */
export interface CheckDirOptions {
  readonly env?: Record<string, string>;
  readonly policy?: CheckPolicy;
  readonly cacheDir?: string;
  readonly buildArgs?: ReadonlyMap<string, string>;
}

/** Checks `dir`'s Cubefile (else cube.yaml) as `cube check` does there; the report and its text. */
export async function checkDir(dir: string, options: CheckDirOptions = {}): Promise<CheckReport & { text: string }> {
  const cacheDir = options.cacheDir ?? (await mkdtemp(join(tmpdir(), 'cube-check-cache-')));
  const loaded = await loadBuildFile({ dir, cwd: dir, ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}) });
  const report = await checkBuild({ loaded, policy: options.policy ?? DEFAULT_POLICY, env: options.env ?? {}, cacheDir, images: createImageSources({ cacheDir }), pull: false });
  return { ...report, text: renderDiagnostics(report.diagnostics, report.sources, { color: false }) };
}
