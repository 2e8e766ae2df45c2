/** The shape every `cube` subcommand has, and what it is given to run. */
import type { Writable } from 'node:stream';
import type { ParseArgsConfig } from 'node:util';
import type { ExitCode } from './exit-codes.js';

/** A command's options as `util.parseArgs` takes them. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** What shell completion offers beyond the option names (see completion.ts). */
export interface CompletionHints {
  /** The values of options that take one from a fixed set, by long name: the lists their checks use. */
  readonly values?: Readonly<Record<string, readonly string[]>>;
  /** The words the positional arguments are (`cache ls|du|prune`); without them, file names. */
  readonly words?: readonly string[];
}

/** The process surroundings a command runs in; tests give their own. */
export interface CommandContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (colours, progress bars). */
  readonly interactive: boolean;
}

/** A subcommand's implementation: `cube <name> …`. */
export interface Command {
  /** The full `cube <name> --help` text. */
  readonly usage: string;
  /** The option table `run` parses its arguments with; shell completion reads the same one. */
  readonly options: OptionTable;
  readonly completion?: CompletionHints;
  run(args: readonly string[], context: CommandContext): Promise<ExitCode>;
}

/**
 * A subcommand as `cube --help` lists it. The implementation is loaded only when the command
 * runs, so `cube --version` or `cube cache du` do not pay for the parser and the executor.
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for `cube --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}
