import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envdArgv, shellQuote, workloadArgv, wrapArgv } from '../../../src/executor/launch/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-wrap-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

async function waitFor(path: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    try {
      const text = await readFile(path, 'utf8');
      if (text.endsWith('\n') || text.includes('\0')) return text;
    } catch {
      // not yet written
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${path}`);
}

function run(argv: string[]): { pid: number; done: Promise<number | null>; kill: (s: NodeJS.Signals) => void } {
  const [cmd, ...rest] = argv;
  const child = spawn(cmd as string, rest, { stdio: 'ignore' });
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { pid: child.pid as number, done, kill: (s) => child.kill(s) };
}

describe('wrapper run by a real /bin/sh', () => {
  it('starts envd, execs the workload with its exact argv and the same PID', async () => {
    const envdMarker = join(dir, 'envd-started');
    const envd = await script('fake envd', `printf 'started %s\\n' "$*" > ${shellQuote(envdMarker)}`);
    const argsOut = join(dir, 'args');
    const workload = await script('work', `echo $$ > ${shellQuote(join(dir, 'pid'))}; printf '%s\\0' "$0" "$@" > ${shellQuote(argsOut)}`);
    const args = [workload, 'a b', '"q"', "it's", '$HOME', '$(id)', 'line1\nline2', '', '*', '-e'];
    const proc = run(wrapArgv(envdArgv({ imagePath: envd, port: 49990, args: ['-no-cgroups', 'x y'] }), args, join(dir, 'envd.log')));
    expect(await proc.done).toBe(0);
    const got = (await waitFor(argsOut)).split('\0').slice(0, -1);
    expect(got).toEqual(args);
    expect(Number((await readFile(join(dir, 'pid'), 'utf8')).trim())).toBe(proc.pid);
    expect(await waitFor(envdMarker)).toBe('started -port 49990 -isnotfc -no-cgroups x y\n');
  });

  it('the workload receives signals sent to the sandbox process', async () => {
    const ready = join(dir, 'ready');
    const got = join(dir, 'got');
    const envd = await script('envd', 'exit 0');
    const workload = await script('w', `trap 'echo TERM > ${shellQuote(got)}; exit 7' TERM; echo up > ${shellQuote(ready)}; while :; do sleep 0.05; done`);
    const proc = run(wrapArgv([envd], [workload], join(dir, 'log')));
    await waitFor(ready);
    proc.kill('SIGTERM');
    expect(await proc.done).toBe(7);
    expect(await readFile(got, 'utf8')).toBe('TERM\n');
  });

  it('an empty command keeps the sandbox alive with sleep', async () => {
    const envd = await script('envd', 'exit 0');
    const argv = wrapArgv([envd], workloadArgv([]), join(dir, 'log'));
    expect(argv.slice(4)).toEqual(['sleep', '2147483647']);
    const proc = run(argv);
    const early = await Promise.race([proc.done.then(() => 'exited'), new Promise((r) => setTimeout(() => r('alive'), 300))]);
    expect(early).toBe('alive');
    proc.kill('SIGKILL');
    await proc.done;
  });

  it('takes envd path from the one InjectSpec value, -port from PORT, and -isnotfc unless FIRECRACKER', () => {
    const argv = wrapArgv(envdArgv({ imagePath: '/opt/envd dir/envd', port: 49999, args: [] }), ['/app']);
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv[2]).toBe(`'/opt/envd dir/envd' '-port' '49999' '-isnotfc' >'/var/log/envd.log' 2>&1 </dev/null & exec "$@"`);
    expect(argv.slice(3)).toEqual(['cube-wrap', '/app']);
    expect(envdArgv({ imagePath: '/usr/local/bin/envd', port: 49983, args: ['-verbose'], firecracker: true })).toEqual(['/usr/local/bin/envd', '-port', '49983', '-verbose']);
  });
});
