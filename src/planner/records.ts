/** Plans kept and read back: the last plan of each build file (kept in the cache for `--explain` and `cube diff --against last`), and plan files. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { writeFileAtomic } from '../core/paths.js';
import { parsePlanJson, planToJson } from './plan.js';
import type { Plan } from './plan.js';

function recordPath(cacheDir: string, buildFile: string, target: string): string {
  const key = createHash('sha256').update(`${buildFile}\0${target}`).digest('hex').slice(0, 32);
  return join(cacheDir, 'plans', `${key}.json`);
}

/** Records `plan` as the last plan of `buildFile`/`target`. */
export async function recordPlan(cacheDir: string, buildFile: string, target: string, plan: Plan): Promise<void> {
  await writeFileAtomic(recordPath(cacheDir, buildFile, target), planToJson(plan));
}

/** The last recorded plan, or undefined when there is none (or it cannot be read). */
export async function lastPlan(cacheDir: string, buildFile: string, target: string): Promise<Plan | undefined> {
  const path = recordPath(cacheDir, buildFile, target);
  try {
    return parsePlanJson(await readFile(path, 'utf8'), path);
  } catch {
    return undefined;
  }
}

/** Reads a plan file (plan.json, or `cube plan --json`); one that cannot be read or is no plan is CUBE2008. */
export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(planCodes.badPlanFile, 'unreadable', { file: path, reason: (error as NodeJS.ErrnoException).code ?? 'error' }));
  }
  return parsePlanJson(text, path);
}
