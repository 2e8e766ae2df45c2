#!/usr/bin/env node
// The command. `cube --help` and `cube --version` are answered from a small module of their own
// (src/cli/help.ts), and a `cube build` whose inputs and outputs have not moved since the same
// build last ran from its stamp (src/cli/up-to-date.ts); everything else runs the single-module
// build of src/cli/main.ts (see scripts/bundle.js), loaded only then.
import { quickAnswer } from '../dist/cli/help.js';

const args = process.argv.slice(2);
const quick = quickAnswer(args);
if (quick) {
  process.stdout.write(quick.text);
  process.exitCode = quick.code;
} else {
  const io = { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
  const upToDate = args[0] === 'build' && (await (await import('../dist/cli/up-to-date.js')).answerUpToDate(args, io));
  if (!upToDate) {
    const { main } = await import('../dist/cli/bundle.js');
    process.exitCode = await main(args);
  }
}
