/** The subcommands `cube` knows, in the order `cube --help` lists them. */
import type { Command } from '../command.js';

/** Every subcommand. */
export const commands: readonly Command[] = [];
