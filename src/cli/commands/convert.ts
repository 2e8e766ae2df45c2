/** `cube convert`: a Cubefile to cube.yaml or back, keeping ARGs and substitutions as written. */
import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDiagnostic, DiagnosticError, hasErrors } from '../../core/diagnostics/index.js';
import { cliCodes } from '../../core/diagnostics/codes-cli.js';
import { writeFileAtomic } from '../../core/paths.js';
import { convertBuildFile, loadBuildFile } from '../../parser/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { reportDiagnostics, sourcesOf } from './shared.js';

const usage = `Usage: cube convert [options]

Converts a Cubefile to its cube.yaml twin, or a cube.yaml to a Cubefile, and prints it (or
writes it with -o). ARGs and \${…} substitutions are kept; comments are not. The input must be
free of errors (run cube check first). The result is parsed back and must build the same thing;
if the other syntax cannot say it (cube.yaml declares every ARG first), cube says where.

Options:
  -f, --file FILE   the Cubefile or cube.yaml (default ./Cubefile, else ./cube.yaml)
  -o, --out FILE    write the result to FILE instead of stdout (a new file, or a regular file
                    that is not the input)
`;

const options = { file: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' } } as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('convert', args, options);
  if (positionals.length > 0) throw usageError('convert', 'convertArgument', { value: positionals[0] as string });
  const loaded = await loadBuildFile({ ...(values.file !== undefined ? { file: values.file } : {}), cwd: context.cwd });
  const sources = sourcesOf(loaded);
  reportDiagnostics(context, loaded.diagnostics, sources);
  if (hasErrors(loaded.diagnostics)) return ExitCode.userError;
  const converted = convertBuildFile(loaded);
  if ('diagnostic' in converted) {
    reportDiagnostics(context, [converted.diagnostic], sources);
    return ExitCode.userError;
  }
  const output = converted.text;
  if (values.out === undefined) context.stdout.write(output);
  else await writeConverted(resolve(context.cwd, values.out), loaded.path, output);
  return ExitCode.ok;
}

/** Writes the result to `target`, which must be a new file or a regular file other than the input. */
async function writeConverted(target: string, input: string, text: string): Promise<void> {
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isFile()) throw usageError('convert', 'outputNotFile', { path: target });
  if (existing && (await realpath(target)) === (await realpath(input))) throw usageError('convert', 'outputIsInput', { path: target });
  await writeFileAtomic(target, text).catch((error: unknown) => {
    const why = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DiagnosticError(createDiagnostic(cliCodes.writeFailed, 'converted', { path: target, reason: why }));
  });
}

/** `cube convert`. */
export const convertCommand: Command = { usage, options, run };
