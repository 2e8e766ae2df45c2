/** `cube check`: parse and validate the build file, print every diagnostic. */
import { diagnosticsToJson } from '../../core/diagnostics/index.js';
import { loadBuildFile } from '../../parser/index.js';
import { nameValueOptions, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { buildFileLocation, reportDiagnostics, sourcesOf } from './shared.js';

const usage = `Usage: cube check [options] [DIR]

Parses and validates the build file and prints every problem found, each with its file:line:col,
the source line and a hint. Exits 0 when there are no errors (warnings allowed), 1 otherwise.

Options:
  -f, --file FILE       the build file (default DIR/Cubefile, else DIR/cube.yaml; DIR is the
                        positional argument, default the current directory)
      --build-arg K=V   set a build argument (repeatable)
      --format F        human (default) or json (for editors and CI)
`;

const options = {
  file: { type: 'string', short: 'f' },
  'build-arg': { type: 'string', multiple: true },
  format: { type: 'string' },
} as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('check', args, options);
  const format = values.format ?? 'human';
  if (format !== 'human' && format !== 'json') throw usageError('check', `--format must be human or json, got "${format}"`);
  const buildArgs = nameValueOptions('check', '--build-arg', values['build-arg']);
  const location = await buildFileLocation('check', context.cwd, values.file, positionals);
  const loaded = await loadBuildFile({ ...location, cwd: context.cwd, buildArgs });
  const sources = sourcesOf(loaded);
  const failed = loaded.diagnostics.some((d) => d.severity === 'error');
  if (format === 'json') {
    context.stdout.write(JSON.stringify({ file: loaded.displayPath, ok: !failed, diagnostics: diagnosticsToJson(loaded.diagnostics, sources) }, null, 2) + '\n');
  } else {
    reportDiagnostics(context, loaded.diagnostics, sources);
    if (!failed) context.stdout.write(`${loaded.displayPath}: ok\n`);
  }
  return failed ? ExitCode.userError : ExitCode.ok;
}

/** `cube check`. */
export const checkCommand: Command = { usage, run };
