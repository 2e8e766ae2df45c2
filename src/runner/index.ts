/**
 * The runner: boots a build's artifact in a local qemu microVM the way the platform starts it,
 * and waits until it is ready. Its input is a build output directory (launch.json and the image
 * it names, verified first); its output is how the run ended, or a diagnostic saying what failed.
 * Kernel, modules and busybox come from the host (host-parts.ts); the guest init and its
 * initramfs are cube's (init-script.ts, initramfs.ts, cpio.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { cliCodes } from '../core/diagnostics/codes-cli.js';
import type { Logger } from '../core/log.js';
import { cacheDirectory } from '../core/paths.js';
import { loadArtifact } from './artifact.js';
import { prepareBoot } from './prepare.js';
import type { BootChoices } from './prepare.js';
import { qemuArgs } from './qemu-args.js';
import type { PortForward } from './qemu-args.js';
import { superviseBoot } from './supervise.js';
import type { HostProbe, RunEnd } from './supervise.js';

export { locateOutput, loadArtifact, PMEM_ALIGNMENT } from './artifact.js';
export type { Artifact } from './artifact.js';
export type { BootChoices } from './prepare.js';
export type { DiskMode } from './init-script.js';
export type { PortForward } from './qemu-args.js';
export type { RunEnd } from './supervise.js';

/** What {@link runSandbox} needs besides the user's choices. */
export interface RunOptions extends BootChoices {
  /** The build output directory. */
  readonly dir: string;
  readonly timeoutMs: number;
  readonly check: boolean;
  /** Where the guest console goes (default `dir/console.log`). */
  readonly consoleLog?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** Aborted on Ctrl-C: the VM is stopped and the run ends. */
  readonly interrupt: AbortSignal;
  /** Called once the sandbox is ready, with the seconds it took from qemu's start and the forwarded ports. */
  readonly onReady: (seconds: number, ports: readonly PortForward[]) => void;
  /** Called once the VM is about to start, with the forwarded ports and the console log. */
  readonly onBoot?: (ports: readonly PortForward[], consoleLog: string) => void;
}

/** Verifies the artifact, boots it, waits until it is ready, and stops it (see {@link RunOptions.check}). */
export async function runSandbox(options: RunOptions): Promise<RunEnd> {
  const artifact = await loadArtifact(options.dir, cacheDirectory(options.env));
  const work = await mkdtemp(join(tmpdir(), 'cube-run-'));
  try {
    const boot = await prepareBoot(artifact, options, work, options.env, options.logger);
    const { readiness } = artifact.manifest;
    const forward = readiness && boot.machine.ports.find((p) => p.protocol === 'tcp' && p.guest === readiness.port);
    const probe: HostProbe | undefined = readiness && forward ? { ...readiness, hostPort: forward.host, guestPort: readiness.port } : undefined;
    const consoleLog = options.consoleLog ?? join(options.dir, 'console.log');
    await writeFile(consoleLog, '').catch((error: NodeJS.ErrnoException) => {
      throw new DiagnosticError(createDiagnostic(cliCodes.writeFailed, 'consoleLog', { path: consoleLog, reason: error.code ?? error.message }));
    });
    options.onBoot?.(boot.machine.ports, consoleLog);
    return await superviseBoot({
      qemu: boot.qemu,
      args: qemuArgs(boot.machine),
      consoleLog,
      ...(probe !== undefined ? { probe } : {}),
      timeoutMs: options.timeoutMs,
      check: options.check,
      interrupt: options.interrupt,
      onReady: (seconds) => options.onReady(seconds, boot.machine.ports),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
