/** The subcommands `cube` knows, in the order `cube --help` lists them; each loads on use. */
import type { CommandEntry } from '../command.js';

/** Every subcommand. */
export const commands: readonly CommandEntry[] = [
  { name: 'build', summary: 'build the rootfs, launch manifest and plan', load: async () => (await import('./build.js')).buildCommand },
  { name: 'run', summary: 'boot the artifact in a local microVM and wait until it is ready', load: async () => (await import('./run.js')).runCommand },
  { name: 'plan', summary: 'print the content-addressed build plan', load: async () => (await import('./plan.js')).planCommand },
  { name: 'diff', summary: 'explain the difference between two plans', load: async () => (await import('./diff.js')).diffCommand },
  { name: 'check', summary: 'parse and validate the build file', load: async () => (await import('./check.js')).checkCommand },
  { name: 'convert', summary: 'convert a Cubefile to cube.yaml or back', load: async () => (await import('./convert.js')).convertCommand },
  { name: 'cache', summary: 'list, measure and prune the cache', load: async () => (await import('./cache.js')).cacheCommand },
];
