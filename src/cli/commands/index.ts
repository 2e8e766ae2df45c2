/** The subcommands `cube` knows, in the order `cube --help` lists them; each loads on use. */
import type { CommandEntry } from '../command.js';
import { COMMAND_SUMMARIES } from '../help.js';
import type { CommandName } from '../help.js';

const loaders: Readonly<Record<CommandName, CommandEntry['load']>> = {
  build: async () => (await import('./build.js')).buildCommand,
  run: async () => (await import('./run.js')).runCommand,
  plan: async () => (await import('./plan.js')).planCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  check: async () => (await import('./check.js')).checkCommand,
  convert: async () => (await import('./convert.js')).convertCommand,
  inspect: async () => (await import('./inspect.js')).inspectCommand,
  cache: async () => (await import('./cache.js')).cacheCommand,
  completion: async () => (await import('./completion.js')).completionCommand,
};

/** Every subcommand. */
export const commands: readonly CommandEntry[] = COMMAND_SUMMARIES.map((summary) => ({ ...summary, load: loaders[summary.name] }));
