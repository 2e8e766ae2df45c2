/**
 * `cube build` when nothing changed since the last identical build: answered from its stamp
 * (src/core/stamp.ts) by bin/cube.js before the build is loaded, so a no-change rebuild costs a
 * Node start, one small module and a stat of each file the build read. Anything else — a file
 * moved, an output touched, another command line, environment, boot or build of cube, no stamp
 * — and the build runs as always.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cacheDirectory } from '../core/paths.js';
import { STAMP_VERSION, stampable, stampKey, stampPath, unchanged } from '../core/stamp.js';
import type { Stamp } from '../core/stamp.js';
import { CUBE_VERSION } from '../core/version.js';

/** What answering needs from the process. */
export interface UpToDateIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The value of option `name` in `args` (`--name V` or `--name=V`), the last one given. */
function optionValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === name) value = args[i + 1];
    else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
  });
  return value;
}

/** Answers `args` from its stamp when the build it describes is up to date; false when it must run. */
export async function answerUpToDate(args: readonly string[], io: UpToDateIo): Promise<boolean> {
  const started = Date.now();
  if (!stampable(args, io.env)) return false;
  const cacheOption = optionValue(args, '--cache-dir');
  const cacheDir = cacheOption !== undefined ? resolve(io.cwd, cacheOption) : cacheDirectory(io.env);
  const key = await stampKey(args, io.cwd, io.env, CUBE_VERSION);
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(stampPath(cacheDir, key), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  if (stamp.version !== STAMP_VERSION || stamp.key !== key || !Array.isArray(stamp.inputs) || !Array.isArray(stamp.outputs)) return false;
  if (!(await unchanged([...stamp.inputs, ...stamp.outputs]))) return false;
  const quiet = args.includes('-q') || args.includes('--quiet');
  if (quiet) {
    io.stdout.write(`${stamp.digest}\n`);
    return true;
  }
  const ms = Date.now() - started;
  const message = `${stamp.message} (${ms} ms)`;
  if (optionValue(args, '--log-format') === 'json') {
    io.stderr.write(JSON.stringify({ level: 'info', time: new Date().toISOString(), event: 'result', ...stamp.fields, upToDate: true, seconds: ms / 1000, msg: message }) + '\n');
  } else io.stderr.write(`INFO: ${message}\n`);
  return true;
}
