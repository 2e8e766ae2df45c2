#!/usr/bin/env node
/**
 * Runs every benchmark in turn after compiling cube (`npm run bench`). Each script prints its own
 * Markdown table; BENCHMARKS.md records the latest figures and the machine they came from.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
execFileSync('npm', ['run', 'build'], { cwd: join(here, '..'), stdio: 'inherit' });
for (const script of ['build.js', 'ext4.js', 'pull.js', 'remote-cache.js', 'plan.js', 'parse.js', 'flatten.js']) {
  if (!existsSync(join(here, script))) continue;
  console.log(`\n## ${script}\n`);
  execFileSync('node', [join(here, script)], { stdio: 'inherit' });
}
