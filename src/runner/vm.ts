/**
 * One qemu process, which must never outlive cube. qemu runs under a small `sh` watchdog that
 * holds a pipe from cube: when the pipe closes, because cube stopped the VM, or exited, or was
 * killed outright (SIGKILL included, where no handler of cube's runs), the watchdog terminates
 * qemu. The watchdog leads its own process group, so a Ctrl-C at the terminal reaches cube alone
 * and cube decides how the VM stops; if qemu ignores the polite stop, the group is killed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';

/**
 * The watchdog: qemu in the background with /dev/null as stdin, a subshell that waits for the
 * pipe on fd 3 to reach end-of-file and then terminates qemu, and qemu's status as its own.
 * (An asynchronous command's stdin is /dev/null in a non-interactive shell, hence fd 3.)
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'vm=$!',
  '(read -r _ <&3; kill -TERM $vm 2>/dev/null) &',
  'guard=$!',
  'wait $vm',
  'status=$?',
  'kill $guard 2>/dev/null',
  'exit $status',
].join('\n');

/** How qemu ended. */
export interface VmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What qemu wrote to stderr (its own errors; the guest console is on stdout). */
  readonly stderr: string;
}

/** A running VM. */
export interface Vm {
  /** Settles when qemu (and its watchdog) have exited. */
  readonly exited: Promise<VmExit>;
  /** Stops the VM and waits for it; killing the process group if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<VmExit>;
}

/** Starts `qemu args…`, streaming the guest console to `consoleLog` and to `onConsole`. */
export function startVm(qemu: string, args: readonly string[], consoleLog: string, onConsole: (text: string) => void): Vm {
  const log: WriteStream = createWriteStream(consoleLog);
  // runSandbox made sure the file can be written; a later failure (a full disk) only loses log text.
  log.on('error', () => {});
  const child: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, 'cube-vm-watchdog', qemu, ...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    log.write(text);
    onConsole(text);
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  // The pipe breaks when the watchdog is gone; that is how it ends, not an error.
  child.stdin?.on('error', () => {});
  const exited = new Promise<VmExit>((resolve) => {
    child.once('close', (code, signal) => {
      log.end(() => resolve({ code, signal, stderr }));
    });
    child.once('error', (error) => {
      stderr += error.message;
    });
  });
  let stopping: Promise<VmExit> | undefined;
  const stop = (graceMs = 5000): Promise<VmExit> => {
    stopping ??= (async () => {
      child.stdin?.end();
      const timer = setTimeout(() => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // The group is already gone.
          }
        }
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  return { exited, stop };
}
