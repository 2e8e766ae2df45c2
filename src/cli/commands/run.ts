/**
 * `cube run`: boot a build's artifact in a local qemu microVM as the platform would, wait until
 * its readiness probe answers, print the time it took and the forwarded ports; with `--check`,
 * stop there (a smoke test for CI), else run until Ctrl-C.
 */
import { resolve } from 'node:path';
import { parseSize } from '../../parser/index.js';
import { locateOutput, runSandbox } from '../../runner/index.js';
import type { DiskMode, PortForward } from '../../runner/index.js';
import { parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { LOG_FORMATS } from '../logger.js';
import { commandOutput } from './output-options.js';

const usage = `Usage: cube run [options] [OUT_DIR]

Boots the artifact in OUT_DIR (default: the newest build output under ./.cube/out) in a local qemu
microVM the way the platform starts it: rootfs.ext4 read-only under an overlay, the process from
launch.json with its exact argv, env, working directory and user, and the exposed ports forwarded
to 127.0.0.1. Waits until the readiness probe answers, then runs until Ctrl-C.

Options:
      --check             stop the VM as soon as the sandbox is ready (exit 0), for CI
      --disk MODE         pmem (default: virtio-pmem with DAX, as the platform) or blk (virtio-blk)
      --scratch SIZE      a scratch disk of SIZE (e.g. 256MiB) for the overlay's upper layer
                          (default: a tmpfs)
      --memory SIZE       guest memory (default 512MiB)
      --timeout SECONDS   how long to wait for the sandbox to be ready (default 60)
      --console FILE      where the guest console goes (default OUT_DIR/console.log)
      --kernel FILE       the kernel to boot (default: the newest /boot/vmlinuz-*)
      --initrd FILE       an initramfs to load before cube's own (e.g. with the kernel's modules)
      --busybox FILE      a static busybox for the guest init (default /bin/busybox)
      --log-format F      human (default) or json

Needs qemu-system-x86, a kernel (linux-image-amd64) and busybox-static. Uses KVM when a guest
runs with it, else TCG (slower), and says why.
`;

const options = {
  check: { type: 'boolean' },
  disk: { type: 'string' },
  scratch: { type: 'string' },
  memory: { type: 'string' },
  timeout: { type: 'string' },
  console: { type: 'string' },
  kernel: { type: 'string' },
  initrd: { type: 'string' },
  busybox: { type: 'string' },
  'log-format': { type: 'string' },
} as const;

const MIB = 1024 * 1024;

const DISK_MODES = ['pmem', 'blk'] as const satisfies readonly DiskMode[];

function isDiskMode(value: string): value is DiskMode {
  return (DISK_MODES as readonly string[]).includes(value);
}

/** `--memory` and `--scratch`: a size with a unit, in whole MiB. */
function sizeOption(flag: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const bytes = parseSize(value);
  if (bytes === undefined || bytes % MIB !== 0) throw usageError('run', 'wholeMib', { flag, value });
  return bytes;
}

function portLines(ports: readonly PortForward[]): string {
  return ports.map((p) => `  127.0.0.1:${p.host} -> ${p.guest}/${p.protocol}\n`).join('');
}

async function run(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('run', args, options);
  if (positionals.length > 1) throw usageError('run', 'oneOutputDirectory', { value: positionals[1] as string });
  const disk = values.disk ?? 'pmem';
  if (!isDiskMode(disk)) throw usageError('run', 'disk', { value: disk });
  const timeout = Number(values.timeout ?? '60');
  if (!Number.isFinite(timeout) || timeout <= 0) throw usageError('run', 'timeout', { value: String(values.timeout) });
  const memory = sizeOption('memory', values.memory, 512 * MIB) as number;
  const scratch = sizeOption('scratch', values.scratch);
  const { logger } = commandOutput('run', context, values);
  const dir = await locateOutput(context.cwd, positionals[0]);

  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const end = await runSandbox({
      dir,
      disk,
      memoryMiB: memory / MIB,
      ...(scratch !== undefined ? { scratchSize: scratch } : {}),
      ...(values.kernel !== undefined ? { kernel: resolve(context.cwd, values.kernel) } : {}),
      ...(values.initrd !== undefined ? { initrd: resolve(context.cwd, values.initrd) } : {}),
      ...(values.busybox !== undefined ? { busybox: resolve(context.cwd, values.busybox) } : {}),
      ...(values.console !== undefined ? { consoleLog: resolve(context.cwd, values.console) } : {}),
      timeoutMs: timeout * 1000,
      check: values.check === true,
      env: context.env,
      logger,
      interrupt: interrupt.signal,
      onBoot: (ports, consoleLog) => {
        logger.info({ console: consoleLog }, `guest console: ${consoleLog}`);
        context.stdout.write(`forwarded ports:\n${portLines(ports)}`);
      },
      onReady: (seconds) => {
        context.stdout.write(`ready in ${seconds.toFixed(1)} s${values.check === true ? '' : ' (Ctrl-C stops the sandbox)'}\n`);
      },
    });
    if (end.kind === 'interrupted') {
      logger.warn({}, 'interrupted before the sandbox was ready; the VM was stopped');
      return ExitCode.interrupted;
    }
    logger.info({ end: end.kind }, end.kind === 'checked' ? 'check passed; the VM was stopped' : 'the VM was stopped');
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** `cube run`. */
export const runCommand: Command = { usage, options, completion: { values: { disk: DISK_MODES, 'log-format': LOG_FORMATS } }, run };
