/**
 * `cube inspect`: what is in a built image and what takes its space, by origin (layer, envd,
 * COPY step), by directory and by file; as text, JSON, or a self-contained HTML treemap.
 */
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { cliCodes } from '../../core/diagnostics/codes-cli.js';
import { runCodes } from '../../core/diagnostics/codes-run.js';
import { writeFileAtomic } from '../../core/paths.js';
import { inspectImage, inspectOutput, renderInspectHtml, renderInspectText } from '../../inspect/index.js';
import type { InspectResult } from '../../inspect/index.js';
import { locateOutput } from '../../runner/index.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { reportDiagnostics } from './shared.js';

const usage = `Usage: cube inspect [options] [OUT | IMAGE]

Lists what is in a built image and what takes its space: the totals, the space each origin adds
(each base image layer by its digest, envd, each COPY and WORKDIR step with its build file line,
and the filesystem's own metadata), the largest directories and the largest files. OUT is a
build's output directory (default: the newest under ./.cube/out): rootfs.ext4 is checked against
launch.json first, and origins.json and plan.json say where each path came from. IMAGE, an ext4
image file, is read alone, without origins. Names that are not UTF-8 print with \\xNN escapes.

Options:
      --format F       human (default) or json
      --html FILE      also write one self-contained HTML page (no network): a treemap of the
                       image by size, coloured by origin, and the same tables
      --top N          rows in each table (default 10)
      --depth D        list directories down to depth D (default 2, as /usr/lib)
      --cache-dir DIR  cache directory (default $CUBE_CACHE_DIR, else $XDG_CACHE_HOME/cube): an
                       image the build placed and nobody touched is not hashed again
`;

const options = {
  format: { type: 'string' },
  html: { type: 'string' },
  top: { type: 'string' },
  depth: { type: 'string' },
  'cache-dir': { type: 'string' },
} as const;

const FORMATS = ['human', 'json'] as const;

/** `--top` and `--depth`: whole numbers from 1. */
function countOption(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d{0,5}$/.test(value)) throw usageError('inspect', 'count', { flag, value });
  return Number(value);
}

/** Inspects `target`: an output directory, or an image file alone. */
async function inspectTarget(context: CommandContext, target: string, cut: { top: number; depth: number }, cacheDir: string): Promise<InspectResult> {
  const info = await stat(target).catch(() => undefined);
  const shown = relative(context.cwd, target) || '.';
  if (!info) throw new DiagnosticError(createDiagnostic(runCodes.noArtifact, 'missing', { path: shown }));
  if (info.isFile()) return inspectImage(target, { ...cut, shownPath: shown });
  return inspectOutput(target, { ...cut, cacheDir, shownDir: shown });
}

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('inspect', args, options);
  if (positionals.length > 1) throw usageError('inspect', 'inspectArgument', { value: positionals[1] as string });
  const format = values.format ?? 'human';
  if (!(FORMATS as readonly string[]).includes(format)) throw usageError('inspect', 'inspectFormat', { value: format });
  const cut = { top: countOption('top', values.top, 10), depth: countOption('depth', values.depth, 2) };
  const target = await locateOutput(context.cwd, positionals[0]);
  const result = await inspectTarget(context, target, cut, cacheDirOption(context, values['cache-dir']));
  reportDiagnostics(context, result.diagnostics, new Map());
  if (values.html !== undefined) {
    const path = resolve(context.cwd, values.html);
    await writeFileAtomic(path, renderInspectHtml(result.report, result.tree)).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DiagnosticError(createDiagnostic(cliCodes.writeFailed, 'html', { path, reason }));
    });
  }
  context.stdout.write(format === 'json' ? JSON.stringify(result.report, null, 2) + '\n' : renderInspectText(result.report));
  return ExitCode.ok;
}

/** `cube inspect`. */
export const inspectCommand: Command = { usage, options, completion: { values: { format: FORMATS } }, run };
