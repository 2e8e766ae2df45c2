/**
 * exec-as, run for real: natively on amd64, and under qemu-user for arm64 (the arm64 helper
 * execs a host program, which qemu-user runs natively). Switching users needs root; the tests
 * that do say so.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPlatform } from '../../src/core/platform.js';
import { ELF_MACHINE, readElfFacts } from '../../src/core/elf.js';
import { EXEC_AS_ARCHITECTURES, execAsArgv, execAsBinary } from '../../src/core/exec-as/index.js';

const isRoot = process.getuid?.() === 0;
const host = hostPlatform().architecture;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-exec-as-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** How to run a binary of `architecture` here: directly, or through qemu-user. */
function runnerFor(architecture: string): string[] {
  if (architecture === host) return [];
  const qemu = { amd64: 'qemu-x86_64-static', arm64: 'qemu-aarch64-static' }[architecture] ?? '';
  const path = ['/usr/bin', '/usr/local/bin'].map((d) => join(d, qemu)).find((p) => existsSync(p));
  if (!path) throw new Error(`${qemu} is needed to run the ${architecture} helper (apt-get install qemu-user-static)`);
  return [path];
}

async function run(architecture: string, args: readonly string[]) {
  const binary = join(dir, `exec-as-${architecture}`);
  await writeFile(binary, execAsBinary(architecture) as Buffer, { mode: 0o755 });
  const [command, ...rest] = [...runnerFor(architecture), binary, ...args];
  return execa(command as string, rest, { reject: false, env: { KEEP: 'this value' }, extendEnv: false });
}

// Prints its argv, its ids and one environment variable: what the workload would see.
const REPORT = 'printf "<%s>\\n" "$0" "$@"; echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) keep=$KEEP"';

describe.each(EXEC_AS_ARCHITECTURES)('exec-as for %s', (architecture) => {
  it('is a static ELF executable for its machine', () => {
    const facts = readElfFacts(execAsBinary(architecture) as Buffer);
    expect(facts).toEqual({ class: 'elf64', bigEndian: false, machine: ELF_MACHINE[architecture] });
  });

  it.runIf(isRoot)('switches groups, group and user, then execs the path with the argv untouched (needs root)', async () => {
    const argv = ['sh', '-c', REPORT, 'zero', 'two words', '*', '', "it's"];
    const result = await run(architecture, execAsArgv({ uid: 1234, gid: 2345, additionalGids: [7, 4000000000] }, '/bin/sh', argv).slice(1));
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual(['<zero>', '<two words>', '<*>', '<>', "<it's>", 'uid=1234 gid=2345 groups=2345 7 4000000000 keep=this value']);
    expect(result.exitCode).toBe(0);
  });

  it.runIf(isRoot)('with no supplementary groups, leaves none (needs root)', async () => {
    const result = await run(architecture, execAsArgv({ uid: 1000, gid: 1000, additionalGids: [] }, '/bin/sh', ['sh', '-c', 'id -G']).slice(1));
    expect(result.stdout).toBe('1000');
  });

  it.runIf(isRoot)('says why and exits 127 when the workload cannot be executed (needs root)', async () => {
    const result = await run(architecture, execAsArgv({ uid: 0, gid: 0, additionalGids: [] }, join(dir, 'no-such-program'), ['x']).slice(1));
    expect(result.stderr).toBe('cube-exec-as: cannot execute the workload');
    expect(result.exitCode).toBe(127);
  });

  it('says why and exits 126 when the arguments are short or the switch is refused', async () => {
    const short = await run(architecture, ['1000', '1000', '3', '5', '/bin/true']);
    expect(short.stderr).toBe("cube-exec-as: cannot switch to the workload's user and groups");
    expect(short.exitCode).toBe(126);
    expect((await run(architecture, [])).exitCode).toBe(126);
  });
});
