/** The subcommands `cube` knows, in the order `cube --help` lists them. */
import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { cacheCommand } from './cache.js';
import { checkCommand } from './check.js';
import { convertCommand } from './convert.js';
import { diffCommand } from './diff.js';
import { planCommand } from './plan.js';

/** Every subcommand. */
export const commands: readonly Command[] = [buildCommand, planCommand, diffCommand, checkCommand, convertCommand, cacheCommand];
