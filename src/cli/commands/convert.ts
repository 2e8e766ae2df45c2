/** `cube convert`: a Cubefile to cube.yaml or back, keeping ARGs and substitutions as written. */
import { writeFileAtomic } from '../../core/paths.js';
import { isYamlFile, loadBuildFile, parseCubefileSyntax, parseYamlSyntax, printCubefile, printYaml } from '../../parser/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { reportDiagnostics } from './shared.js';

const usage = `Usage: cube convert [options]

Converts a Cubefile to its cube.yaml twin, or a cube.yaml to a Cubefile, and prints it (or
writes it with -o). ARGs and \${…} substitutions are kept; comments are not. The input must be
free of errors (run cube check first).

Options:
  -f, --file FILE   the Cubefile or cube.yaml (default ./Cubefile, else ./cube.yaml)
  -o, --out FILE    write the result to FILE instead of stdout
`;

const options = { file: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' } } as const;

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('convert', args, options);
  if (positionals.length > 0) throw usageError('convert', `unexpected argument "${positionals[0]}" (name the file with -f)`);
  const loaded = await loadBuildFile({ ...(values.file !== undefined ? { file: values.file } : {}), cwd: context.cwd });
  const sources = new Map([[loaded.displayPath, loaded.text]]);
  reportDiagnostics(context, loaded.diagnostics, sources);
  if (loaded.diagnostics.some((d) => d.severity === 'error')) return ExitCode.userError;
  const yaml = isYamlFile(loaded.path);
  const document = yaml ? parseYamlSyntax(loaded.text, loaded.displayPath).document : parseCubefileSyntax(loaded.text, loaded.displayPath).document;
  const output = yaml ? printCubefile(document) : printYaml(document);
  if (values.out === undefined) context.stdout.write(output);
  else await writeFileAtomic(values.out.startsWith('/') ? values.out : `${context.cwd}/${values.out}`, output);
  return ExitCode.ok;
}

/** `cube convert`. */
export const convertCommand: Command = { usage, run };
