/**
 * `cube plan`: resolve inputs and print the content-addressed plan, as a tree or as JSON; with
 * `--explain`, what a build would run and why, against the last build or a plan file, without
 * building anything.
 */
import { resolve } from 'node:path';
import { cachedNodes } from '../../executor/build/index.js';
import { createImageSources } from '../../executor/image/index.js';
import { explainBuild, lastPlan, planToJson, readPlanFile, renderExplanation, renderPlanTree } from '../../planner/index.js';
import type { Plan } from '../../planner/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadOrReport, planLoaded, planningOptions, planningSettings, planningUsage } from './shared.js';

const usage = `Usage: cube plan [options] [DIR]

Resolves the base image (through Cubefile.lock) and hashes every host input once, then prints
the plan: each node's kind, short id, what it is and where in the build file it came from.

Options:
      --json              print the full plan as JSON (schema: grammar/plan.schema.json); with
                          --explain, the explanation as JSON
      --explain           print what cube build would run and why, without building: each node
                          against the last build of this file and the cache, citing the line
                          that set each changed field
      --against PLAN      with --explain: compare with this plan file (plan.json) instead of the
                          last build ("last", the default)
${planningUsage}`;

const options = { ...planningOptions, json: { type: 'boolean' }, explain: { type: 'boolean' }, against: { type: 'string' } } as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('plan', args, options);
  const settings = await planningSettings('plan', context, values, positionals);
  const loaded = await loadOrReport(context, { ...settings.location, buildArgs: settings.buildArgs });
  if (!loaded) return ExitCode.userError;
  const { resolver } = createImageSources({ cacheDir: settings.cacheDir, env: context.env, ...settings.registries });
  const planned = await planLoaded(context, loaded, settings, resolver);
  if (!values.explain && values.against === undefined) {
    context.stdout.write(values.json ? planToJson(planned.plan) : renderPlanTree(planned.plan));
    return ExitCode.ok;
  }
  const against = values.against ?? 'last';
  const previous: Plan | undefined = against === 'last' ? await lastPlan(settings.cacheDir, loaded.path, 'default') : await readPlanFile(resolve(context.cwd, against));
  const explained = explainBuild(planned.plan, previous, await cachedNodes(settings.cacheDir, planned.plan));
  context.stdout.write(values.json ? JSON.stringify(explained, null, 2) + '\n' : renderExplanation(explained));
  return ExitCode.ok;
}

/** `cube plan`. */
export const planCommand: Command = { usage, options, run };
