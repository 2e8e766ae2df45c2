/**
 * Finds the host programs the example images are made from, wherever this machine keeps them,
 * and says what to install when one is missing. Nothing here names one distribution release's
 * paths: python reports its own version, standard library and extension directory.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';

/** A program to put into an image: the path to add and, when it is not there, the path the image names it by. */
function placed(found, wanted) {
  const real = realpathSync(found);
  if (existsSync(wanted) && realpathSync(wanted) === real) return { add: wanted };
  return { add: real, linkAs: wanted.slice(1) };
}

/** Fails with an install hint unless every one of `paths` exists. */
export function requireTools(paths) {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`the base image needs ${missing.join(', ')}, which this machine lacks\n  install them with: apt-get install dash coreutils`);
}

const PYTHON_FACTS = `import json, os, sys, sysconfig
dynload = [p for p in sys.path if os.path.basename(p) == 'lib-dynload']
print(json.dumps({'executable': os.path.realpath(sys.executable), 'stdlib': sysconfig.get_path('stdlib'),
                  'dynload': dynload[0] if dynload else None, 'libpl': sysconfig.get_config_var('LIBPL') or ''}))`;

/**
 * The python to bake into the `python` image: `/usr/bin/python3` when the machine has it (the
 * distribution's own), else the first `python3` on PATH. Returns what to add: the interpreter,
 * its standard library, its compiled extension modules, and the config directory to leave out.
 */
export async function findPython() {
  const candidates = ['/usr/bin/python3', 'python3'];
  for (const command of candidates) {
    const run = await execa(command, ['-c', PYTHON_FACTS], { reject: false });
    if (run.exitCode !== 0) continue;
    const facts = JSON.parse(run.stdout);
    if (!facts.dynload || !existsSync(facts.stdlib)) continue;
    return {
      ...placed(facts.executable, '/usr/bin/python3'),
      stdlib: facts.stdlib,
      extensions: readdirSync(facts.dynload).map((n) => join(facts.dynload, n)),
      configDir: basename(facts.libpl),
    };
  }
  throw new Error(`no python3 with its standard library found (tried ${candidates.join(', ')})\n  install one with: apt-get install python3`);
}

/** The node running this script, to bake into the `node` image as `/usr/bin/node`. */
export function findNode() {
  return placed(process.execPath, '/usr/bin/node');
}
