/** `cube diff`: why two plans differ, root causes first. */
import { resolve } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { planCodes } from '../../core/diagnostics/codes-plan.js';
import { loadBuildFile } from '../../parser/index.js';
import { diffPlans, lastPlan, readPlanFile, renderPlanDiff } from '../../planner/index.js';
import type { Plan } from '../../planner/index.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

const usage = `Usage: cube diff OLD NEW [--json] [--exit-code]
       cube diff --against last NEW [-f FILE] [--json] [--exit-code]

Compares two plan files (plan.json from cube build, or cube plan --json) and prints the root
causes: the nodes whose own parameters changed, each changed field old → new with the build-file
line and the origin of the setting. Nodes that changed only because an input changed are
summarised as a cascade. Exits 0 whether or not the plans differ, unless --exit-code is given.

Options:
      --against last   compare NEW with the last plan cube built for the build file
  -f, --file FILE      the build file whose last plan to use (default ./Cubefile, else ./cube.yaml)
      --json           print the difference as JSON
      --exit-code      exit 1 when the plans differ, 0 when they are identical (as git diff)
      --cache-dir DIR  cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube)
`;

const options = {
  against: { type: 'string' },
  file: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  'exit-code': { type: 'boolean' },
  'cache-dir': { type: 'string' },
} as const;

/** What `--against` takes: the last plan built (a plan file is given as OLD instead). */
const AGAINST = ['last'] as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('diff', args, options);
  let old: Plan;
  let next: Plan;
  if (values.against !== undefined) {
    if (!(AGAINST as readonly string[]).includes(values.against)) throw usageError('diff', 'against', { value: values.against });
    if (positionals.length !== 1) throw usageError('diff', 'oneNewPlan', {});
    const cacheDir = cacheDirOption(context, values['cache-dir']);
    const buildFile = await loadBuildFile({ ...(values.file !== undefined ? { file: values.file } : {}), cwd: context.cwd });
    const last = await lastPlan(cacheDir, buildFile.path, 'default');
    if (!last) throw new DiagnosticError(createDiagnostic(planCodes.noLastPlan, 'none', { file: buildFile.displayPath, cacheDir }));
    old = last;
    next = await readPlanFile(resolve(context.cwd, positionals[0] as string));
  } else {
    if (positionals.length !== 2) throw usageError('diff', 'twoPlans', {});
    old = await readPlanFile(resolve(context.cwd, positionals[0] as string));
    next = await readPlanFile(resolve(context.cwd, positionals[1] as string));
  }
  const diff = diffPlans(old, next);
  context.stdout.write(values.json ? JSON.stringify(diff, null, 2) + '\n' : renderPlanDiff(diff));
  return values['exit-code'] && !diff.identical ? ExitCode.differs : ExitCode.ok;
}

/** `cube diff`. */
export const diffCommand: Command = { usage, options, completion: { values: { against: AGAINST } }, run };
