/**
 * `cube --help` and `cube --version`: what the command answers without loading any subcommand.
 * bin/cube.js loads this module alone (bundled as dist/cli/help.js) for those two questions, so
 * they cost a Node start and one small file, not the parser, planner and executor.
 */
import { CUBE_VERSION } from '../core/version.js';

/** A subcommand as `cube --help` lists it. */
export interface CommandSummary {
  readonly name: string;
  /** One line for `cube --help`. */
  readonly summary: string;
}

/** Every subcommand, in the order `cube --help` lists them. */
export const COMMAND_SUMMARIES = [
  { name: 'build', summary: 'build the rootfs, launch manifest and plan' },
  { name: 'run', summary: 'boot the artifact in a local microVM and wait until it is ready' },
  { name: 'plan', summary: 'print the content-addressed build plan (--explain: what a build would run)' },
  { name: 'diff', summary: 'explain the difference between two plans' },
  { name: 'check', summary: 'parse and validate the build file' },
  { name: 'convert', summary: 'convert a Cubefile to cube.yaml or back' },
  { name: 'inspect', summary: 'list what is in a built image and what takes its space' },
  { name: 'cache', summary: 'list, measure and prune the cache' },
  { name: 'completion', summary: 'print a bash or zsh completion script' },
] as const satisfies readonly CommandSummary[];

/** The options `cube` takes before any command, with the line `cube --help` gives each. */
export const TOP_LEVEL_OPTIONS = {
  help: { type: 'boolean', short: 'h', summary: 'show help (also: cube <command> --help)' },
  version: { type: 'boolean', short: 'V', summary: 'print the version' },
} as const;

/** Whether `arg` is the top-level option `name`, long or short. */
function isOption(arg: string | undefined, name: keyof typeof TOP_LEVEL_OPTIONS): boolean {
  return arg === `--${name}` || arg === `-${TOP_LEVEL_OPTIONS[name].short}`;
}

/** A subcommand's name. */
export type CommandName = (typeof COMMAND_SUMMARIES)[number]['name'];

/** `cube --version`'s answer. */
export function versionLine(): string {
  return `cube ${CUBE_VERSION}\n`;
}

/** The top-level help text. */
export function topLevelHelp(): string {
  const width = Math.max(0, ...COMMAND_SUMMARIES.map((c) => c.name.length));
  const list = COMMAND_SUMMARIES.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  const flags = Object.entries(TOP_LEVEL_OPTIONS).map(([name, o]) => [`-${o.short}, --${name}`, o.summary] as const);
  const flagWidth = Math.max(...flags.map(([f]) => f.length));
  const options = flags.map(([f, summary]) => `  ${f.padEnd(flagWidth)}  ${summary}`).join('\n');
  return `cube ${CUBE_VERSION}: build microVM sandbox templates from a Cubefile

Usage: cube <command> [options]

Commands:
${list}

Options:
${options}

Output: results on stdout, logs and diagnostics on stderr. Colour follows NO_COLOR, FORCE_COLOR,
TERM=dumb and whether stderr is a terminal; progress bars only on a terminal outside CI.

Exit codes: 0 ok, 1 errors in the input (or an artifact that does not boot), 2 bad command line,
3 failed for a reason outside the input (network, registry, disk, no qemu), 70 internal error,
130 cube run interrupted before the sandbox was ready.
`;
}

/**
 * The answer to a command line that asks only for help or the version, or undefined when it
 * asks for a subcommand. `cube` alone prints the help and exits 2, as a usage error.
 */
export function quickAnswer(args: readonly string[]): { readonly text: string; readonly code: 0 | 2 } | undefined {
  const [first] = args;
  if (first === undefined) return { text: topLevelHelp(), code: 2 };
  if (isOption(first, 'help') || (first === 'help' && args.length === 1)) return { text: topLevelHelp(), code: 0 };
  if (isOption(first, 'version')) return { text: versionLine(), code: 0 };
  return undefined;
}
