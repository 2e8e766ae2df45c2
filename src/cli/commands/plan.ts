/** `cube plan`: resolve inputs and print the content-addressed plan, as a tree or as JSON. */
import { createImageSources } from '../../executor/image/index.js';
import { planToJson, renderPlanTree } from '../../planner/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadOrReport, planLoaded, planningOptions, planningSettings, planningUsage } from './shared.js';

const usage = `Usage: cube plan [options] [DIR]

Resolves the base image (through Cubefile.lock) and hashes every host input once, then prints
the plan: each node's kind, short id, what it is and where in the build file it came from.

Options:
      --json              print the full plan as JSON (schema: grammar/plan.schema.json)
${planningUsage}`;

const options = { ...planningOptions, json: { type: 'boolean' } } as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('plan', args, options);
  const settings = await planningSettings('plan', context, values, positionals);
  const loaded = await loadOrReport(context, { ...settings.location, buildArgs: settings.buildArgs });
  if (!loaded) return ExitCode.userError;
  const { resolver } = createImageSources({ cacheDir: settings.cacheDir, env: context.env, ...settings.registries });
  const planned = await planLoaded(context, loaded, settings, resolver);
  context.stdout.write(values.json ? planToJson(planned.plan) : renderPlanTree(planned.plan));
  return ExitCode.ok;
}

/** `cube plan`. */
export const planCommand: Command = { usage, run };
