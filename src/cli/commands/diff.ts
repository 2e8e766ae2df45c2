/** `cube diff`: why two plans differ, root causes first. */
import { basename, dirname, resolve } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { planCodes } from '../../core/diagnostics/codes-plan.js';
import { loadBuildFile } from '../../parser/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { createImageSources } from '../../executor/image/index.js';
import { cachedPlan, latestTag, repositoryText } from '../../executor/remote-cache/index.js';
import { diffPlans, lastPlan, parsePlanJson, readPlanFile, renderPlanDiff } from '../../planner/index.js';
import type { Plan } from '../../planner/index.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { registryTarget } from './registry-refs.js';
import type { RegistryTarget } from './registry-refs.js';

const usage = `Usage: cube diff OLD NEW [--json] [--exit-code]
       cube diff --against last NEW [-f FILE] [--json] [--exit-code]
       cube diff --against REGISTRY/REPO[:TAG|@DIGEST] NEW [--name NAME] [--json] [--exit-code]

Compares two plan files (plan.json from cube build, or cube plan --json) and prints the root
causes: the nodes whose own parameters changed, each changed field old → new with the build-file
line and the origin of the setting. Nodes that changed only because an input changed are
summarised as a cascade. Exits 0 whether or not the plans differ, unless --exit-code is given.

Options:
      --against last   compare NEW with the last plan cube built for the build file
      --against REF    compare NEW with the plan kept in the remote cache REF (a --cache-to
                       repository): the entry under TAG (seal-<hex>, latest-<name>) or DIGEST,
                       else the latest export of the template (latest-NAME)
  -f, --file FILE      the build file whose last plan to use (default ./Cubefile, else ./cube.yaml)
      --name NAME      the template's name for --against REF (default: the build file's directory name)
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
  name: { type: 'string' },
} as const;

/** What `--against` takes besides a registry repository: the last plan built (a plan file is given as OLD instead). */
const AGAINST = ['last'] as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('diff', args, options);
  let old: Plan;
  let next: Plan;
  if (values.against !== undefined) {
    if (positionals.length !== 1) throw usageError('diff', 'oneNewPlan', {});
    const cacheDir = cacheDirOption(context, values['cache-dir']);
    if (values.against === 'last') {
      const buildFile = await loadBuildFile({ ...(values.file !== undefined ? { file: values.file } : {}), cwd: context.cwd });
      const last = await lastPlan(cacheDir, buildFile.path, 'default');
      if (!last) throw new DiagnosticError(createDiagnostic(planCodes.noLastPlan, 'none', { file: buildFile.displayPath, cacheDir }));
      old = last;
    } else {
      if (!values.against.includes('/')) throw usageError('diff', 'against', { value: values.against });
      old = await remotePlan(context, values, cacheDir, registryTarget('diff', '--against', values.against));
    }
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

/** The plan kept with a remote cache entry: the one `target` names, else the template's latest export. */
async function remotePlan(context: CommandContext, values: { readonly file?: string; readonly name?: string }, cacheDir: string, target: RegistryTarget): Promise<Plan> {
  let reference = target.digest ?? target.tag;
  if (reference === undefined) {
    const name = values.name ?? basename(dirname((await loadBuildFile({ ...(values.file !== undefined ? { file: values.file } : {}), cwd: context.cwd })).path));
    reference = latestTag(name);
  }
  const images = createImageSources({ cacheDir, env: context.env });
  const where = `${repositoryText(target)}:${reference}`;
  const text = await cachedPlan({ client: images.client(target.registry), repository: target.repository }, reference, where);
  if (text === undefined) throw new DiagnosticError(createDiagnostic(imageCodes.notFound, 'missing', { registry: target.registry, what: `remote cache entry ${where}` }));
  return parsePlanJson(text, where);
}

/** `cube diff`. */
export const diffCommand: Command = { usage, options, completion: { values: { against: AGAINST } }, run };
