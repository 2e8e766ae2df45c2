/** `cube check` and the checks `cube build` runs first, from the command line. */
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleLayout } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-check-cli-'));
  env = { CUBE_CACHE_DIR: join(dir, 'cache') };
});

/** Writes a Cubefile in a fresh directory and returns the directory. */
async function project(cubefile: string): Promise<string> {
  const where = await mkdtemp(join(dir, 'project-'));
  await writeFile(join(where, 'Cubefile'), cubefile);
  return where;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

describe('cube check', () => {
  it('warns by default, fails with --strict, and skips what --skip names', async () => {
    const cwd = await project('FROM python:3.12\nCMD python3 server.py\n');
    const plain = await runCli(['check'], { cwd, env });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('Cubefile:2:5: warning CUBE1202');
    expect(plain.stderr).toContain('cube: note: image checks skipped: docker.io/library/python:3.12 is not in the cache');
    const strict = await runCli(['check', '--strict'], { cwd, env });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('Cubefile:2:5: error CUBE1202');
    const skipped = await runCli(['check', '--strict', '--skip', 'JSONArgsRecommended'], { cwd, env });
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).not.toContain('CUBE1202');
  });

  it('refuses a --skip or --format it does not know, as a command-line error', async () => {
    const cwd = await project('FROM python:3.12\n');
    const skip = await runCli(['check', '--skip', 'JSONArgsRecomended'], { cwd, env });
    expect(skip.code).toBe(2);
    expect(skip.stderr).toContain('did you mean JSONArgsRecommended?');
    expect((await runCli(['check', '--format', 'xml'], { cwd, env })).code).toBe(2);
  });

  it('says in JSON whether the image checks ran', async () => {
    const cwd = await project(`FROM oci-layout:${exampleLayout}:python\nUSER nobdy\nCMD ["python3"]\n`);
    const run = await runCli(['check', '--format', 'json'], { cwd, env });
    expect(run.code).toBe(1);
    const parsed = JSON.parse(run.stdout) as { ok: boolean; image: { checked: boolean }; diagnostics: { code: string; hint: string }[] };
    expect(parsed.image).toEqual({ checked: true });
    expect(parsed.diagnostics.map((d) => [d.code, d.hint.slice(0, 24)])).toEqual([['CUBE3212', 'did you mean "nobody"? O']]);
  });
});

describe('cube build runs the checks first', () => {
  it('reports every missing COPY source at once and writes nothing: no output, no lockfile', async () => {
    const cwd = await project(`FROM oci-layout:${exampleLayout}:python\nCOPY ap/ /srv/app/\nCOPY srv.py /srv/\nCMD ["python3"]\n`);
    const run = await runCli(['build'], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr.match(/error CUBE2004/g)).toHaveLength(2);
    expect(await exists(join(cwd, '.cube'))).toBe(false);
    expect(await exists(join(cwd, 'Cubefile.lock'))).toBe(false);
  });

  it('stops on a check made an error by the file, and builds when it is skipped', async () => {
    const cwd = await project(`# check=error=true\nFROM oci-layout:${exampleLayout}:python\nENV MODE production\nCMD ["python3"]\n`);
    const strict = await runCli(['build'], { cwd, env });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('Cubefile:3:5: error CUBE1207');
    const skipped = await runCli(['build', '--skip', 'LegacyKeyValueFormat'], { cwd, env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(await exists(join(cwd, '.cube', 'out'))).toBe(true);
  });
});
