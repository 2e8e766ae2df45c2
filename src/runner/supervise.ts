/**
 * Watching one boot until it is ready, fails, times out or is interrupted, and stopping the VM
 * on every path. Readiness is launch.json's probe (`GET /health` answering 204 through the
 * forwarded port) or, for a manifest without one, the init's word that the process started.
 * A failure becomes a diagnostic that says what failed, with the console's last lines.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { runCodes } from '../core/diagnostics/catalog.js';
import { ConsoleWatch } from './console-watch.js';
import type { ConsoleEvent } from './console-watch.js';
import type { InitStep } from './init-script.js';
import { httpStatus } from './network.js';
import { startVm } from './vm.js';
import type { VmExit } from './vm.js';

/** The probe as seen from the host, with launch.json's timing. */
export interface HostProbe {
  readonly hostPort: number;
  readonly guestPort: number;
  readonly path: string;
  readonly expectStatus: number;
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly probeTimeoutMs: number;
  /** How long after the process starts the platform waits for readiness. */
  readonly timeoutMs: number;
  readonly successThreshold: number;
}

/** What {@link superviseBoot} needs. */
export interface SuperviseOptions {
  readonly qemu: string;
  readonly args: readonly string[];
  readonly consoleLog: string;
  readonly probe?: HostProbe;
  readonly timeoutMs: number;
  /** Stop as soon as the sandbox is ready (`--check`); else run until `interrupt`. */
  readonly check: boolean;
  readonly interrupt: AbortSignal;
  readonly onReady: (seconds: number) => void;
}

/** How a run ended without failing. */
export type RunEnd =
  | { readonly kind: 'checked'; readonly readySeconds: number }
  | { readonly kind: 'stopped'; readonly readySeconds: number }
  | { readonly kind: 'interrupted' };

/** Something that ends a run badly, before it is turned into a diagnostic. */
type Trouble =
  | { readonly kind: 'console'; readonly event: Exclude<ConsoleEvent, { kind: 'started' }> }
  | { readonly kind: 'qemu'; readonly exit: VmExit }
  | { readonly kind: 'timeout'; readonly limit: string };

/** The code of a failed step of the guest init; each has an `initStep` message. */
const STEP_CODES: Readonly<Record<InitStep, typeof runCodes.noKernelModules | typeof runCodes.rootfsMountFailed | typeof runCodes.guestSetupFailed>> = {
  modules: runCodes.noKernelModules,
  rootfs: runCodes.rootfsMountFailed,
  upper: runCodes.guestSetupFailed,
  overlay: runCodes.guestSetupFailed,
  mounts: runCodes.guestSetupFailed,
  network: runCodes.guestSetupFailed,
  process: runCodes.guestSetupFailed,
};

/** The diagnostic for a trouble; `ready` says whether the sandbox had been ready. */
function troubleDiagnostic(trouble: Trouble, options: SuperviseOptions, ready: boolean, tail: readonly string[]): DiagnosticError {
  const consoleValues = { consoleLog: options.consoleLog, tail: tail.map((l) => `    | ${l}`).join('\n') };
  const fail = (diagnostic: Diagnostic): DiagnosticError => new DiagnosticError(diagnostic);
  if (trouble.kind === 'timeout') {
    const probe = options.probe;
    if (probe === undefined) return fail(createDiagnostic(runCodes.notReady, 'noStart', { ...consoleValues, limit: trouble.limit }));
    const values = { ...consoleValues, path: probe.path, guestPort: probe.guestPort, hostPort: probe.hostPort, status: probe.expectStatus, limit: trouble.limit };
    return fail(createDiagnostic(runCodes.notReady, 'probe', values));
  }
  if (trouble.kind === 'qemu') {
    const line = trouble.exit.stderr.trim().split('\n').pop() ?? '';
    const values = { ...consoleValues, status: trouble.exit.code ?? '', signal: trouble.exit.signal ?? 'a signal', line };
    const message = trouble.exit.code !== null ? (line !== '' ? 'statusLine' : 'status') : line !== '' ? 'signalLine' : 'signal';
    return fail(createDiagnostic(runCodes.vmFailed, message, values));
  }
  const { event } = trouble;
  if (event.kind === 'panic') return fail(createDiagnostic(runCodes.vmFailed, 'panic', { ...consoleValues, line: event.line }));
  if (event.kind === 'exited') return fail(createDiagnostic(runCodes.processExited, ready ? 'whileRunning' : 'beforeReady', { ...consoleValues, status: event.status }));
  return fail(createDiagnostic(STEP_CODES[event.step], 'initStep', { ...consoleValues, step: event.step, problem: event.message }));
}

/** Boots, waits, and stops the VM whatever happens. */
export async function superviseBoot(options: SuperviseOptions): Promise<RunEnd> {
  let reportTrouble: (trouble: Trouble) => void = () => {};
  const trouble = new Promise<Trouble>((resolve) => {
    reportTrouble = resolve;
  });
  let reportStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    reportStarted = resolve;
  });
  const watch = new ConsoleWatch((event) => (event.kind === 'started' ? reportStarted() : reportTrouble({ kind: 'console', event })));
  const begin = performance.now();
  const vm = startVm(options.qemu, options.args, options.consoleLog, (text) => watch.feed(text));
  void vm.exited.then((exit) => reportTrouble({ kind: 'qemu', exit }));
  const interrupted = new Promise<'interrupted'>((resolve) => {
    if (options.interrupt.aborted) resolve('interrupted');
    options.interrupt.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
  const waiting = new AbortController();
  const ready = waitUntilReady(options.probe, started, waiting.signal);
  const limit = `${options.timeoutMs / 1000} s (--timeout)`;
  const timeout = sleep(options.timeoutMs, { kind: 'timeout', limit } as const, { signal: waiting.signal }).catch(() => new Promise<never>(() => {}));
  try {
    const first = await Promise.race([ready, trouble, timeout, interrupted]);
    if (first === 'interrupted') return { kind: 'interrupted' };
    if (first !== 'ready') throw troubleDiagnostic(first, options, false, watch.tail());
    const readySeconds = (performance.now() - begin) / 1000;
    options.onReady(readySeconds);
    if (options.check) return { kind: 'checked', readySeconds };
    const next = await Promise.race([trouble, interrupted]);
    if (next === 'interrupted') return { kind: 'stopped', readySeconds };
    throw troubleDiagnostic(next, options, true, watch.tail());
  } finally {
    waiting.abort();
    await vm.stop();
  }
}

/**
 * Polls the probe as the platform does: from the process's start (after the initial delay), one
 * request a period, each bounded, ready after enough answers in a row, given up after the
 * manifest's timeout. Without a probe, ready when the process has started.
 */
async function waitUntilReady(probe: HostProbe | undefined, started: Promise<void>, signal: AbortSignal): Promise<'ready' | Trouble> {
  await started;
  if (probe === undefined) return 'ready';
  await sleep(probe.initialDelayMs);
  const deadline = performance.now() + probe.timeoutMs;
  let successes = 0;
  while (!signal.aborted) {
    const next = sleep(probe.periodMs);
    successes = (await httpStatus(probe.hostPort, probe.path, probe.probeTimeoutMs)) === probe.expectStatus ? successes + 1 : 0;
    if (successes >= probe.successThreshold) return 'ready';
    if (performance.now() >= deadline) return { kind: 'timeout', limit: `${probe.timeoutMs / 1000} s of the process starting (launch.json's readiness.timeoutMs)` };
    await next;
  }
  return new Promise<never>(() => {});
}
