/**
 * The `cube` command: picks the subcommand, runs it, and turns every outcome into an exit code.
 * User errors arrive as diagnostics and are printed without a stack trace; only an unexpected
 * exception (a bug) is reported as internal.
 */
import { commands } from './commands/index.js';
import type { CommandContext } from './command.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { CUBE_VERSION } from '../core/version.js';
import { DiagnosticError, renderDiagnostics } from '../core/diagnostics/index.js';

/** The top-level help text. */
export function topLevelHelp(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `cube ${CUBE_VERSION}: build microVM sandbox templates from a Cubefile

Usage: cube <command> [options]

Commands:
${list}

Options:
  -h, --help     show help (also: cube <command> --help)
  -V, --version  print the version

Exit codes: 0 ok, 1 errors in the input (or an artifact that does not boot), 2 bad command line,
3 failed for a reason outside the input (network, registry, disk, no qemu), 70 internal error,
130 cube run interrupted before the sandbox was ready.
`;
}

/** Runs `cube` with `args` (without the node and script paths) and returns the exit code. */
export async function main(args: readonly string[], context: CommandContext = processContext()): Promise<ExitCode> {
  const [first, ...rest] = args;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    context.stdout.write(target ? (await target.load()).usage : topLevelHelp());
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === '-V' || first === '--version') {
    context.stdout.write(`cube ${CUBE_VERSION}\n`);
    return ExitCode.ok;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    const near = commands.map((c) => c.name).find((name) => name.startsWith(first.slice(0, 2)));
    context.stderr.write(
      `cube: error CUBE0001: unknown command "${first}"\n  hint: ${near ? `did you mean "cube ${near}"? ` : ''}run \`cube --help\` for the list\n`,
    );
    return ExitCode.usage;
  }
  try {
    const command = await entry.load();
    if (rest.includes('-h') || rest.includes('--help')) {
      context.stdout.write(command.usage);
      return ExitCode.ok;
    }
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof DiagnosticError) {
      context.stderr.write(renderDiagnostics(error.diagnostics, error.sources, { color: context.interactive }));
      return exitCodeFor(error.diagnostics);
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.stderr.write(`cube: internal error (this is a bug in cube ${CUBE_VERSION}):\n${detail}\n`);
    return ExitCode.internal;
  }
}

function processContext(): CommandContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    interactive: Boolean(process.stderr.isTTY),
  };
}
