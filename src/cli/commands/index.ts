/** The subcommands `cube` knows, in the order `cube --help` lists them. */
import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import { convertCommand } from './convert.js';

/** Every subcommand. */
export const commands: readonly Command[] = [buildCommand, checkCommand, convertCommand];
