/**
 * KVM or TCG. `/dev/kvm` being there is not enough: nested hosts often expose a device that
 * cannot run a guest with the host's CPU model (qemu aborts setting an MSR, or the guest hangs),
 * so cube boots a 512-byte guest with KVM first. Its boot sector writes to qemu's debug-exit
 * port, which ends qemu with a known status at once; anything else means KVM is not usable, and
 * the reason is kept for the user. The probe costs a few milliseconds with KVM.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The accelerator a boot uses, and why KVM was not taken. */
export type Accel = { readonly kind: 'kvm' } | { readonly kind: 'tcg'; readonly reason: string };

const KVM_DEVICE = '/dev/kvm';
const DEBUG_EXIT_PORT = 0xf4;
/** The value the boot sector writes; qemu then exits with `(value << 1) | 1`. */
const PROBE_VALUE = 0x31;
const PROBE_TIMEOUT_MS = 5000;

/** `mov al, 0x31; out 0xf4, al; hlt; jmp $-1`, padded to a boot sector with its 55 AA signature. */
function probeBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([0xb0, PROBE_VALUE, 0xe6, DEBUG_EXIT_PORT, 0xf4, 0xeb, 0xfd]).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** qemu's options for an accelerator: the host CPU model with KVM, the richest emulated one with TCG. */
export function accelArgs(accel: Accel): string[] {
  return accel.kind === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max'];
}

/** qemu's own error line (else its last line), as the reason KVM failed. */
function qemuError(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l !== '' && !/warning:/.test(l));
  return (lines.find((l) => /error/i.test(l)) ?? lines.pop() ?? '').replace(/^qemu-system-\w+: (error: )?/, '');
}

/** KVM when a guest actually runs with it, else TCG with the reason. `workDir` receives the probe image. */
export async function chooseAccel(qemu: string, workDir: string): Promise<Accel> {
  if (!(await access(KVM_DEVICE).then(() => true, () => false))) return { kind: 'tcg', reason: `${KVM_DEVICE} does not exist (no hardware virtualisation here, or the kvm module is not loaded)` };
  if (!(await access(KVM_DEVICE, constants.R_OK | constants.W_OK).then(() => true, () => false))) {
    return { kind: 'tcg', reason: `this user cannot open ${KVM_DEVICE} (add it to the kvm group)` };
  }
  const image = join(workDir, 'kvm-probe.img');
  await writeFile(image, probeBootSector());
  const args = [
    ...accelArgs({ kind: 'kvm' }),
    '-machine', 'pc', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '16',
    '-device', `isa-debug-exit,iobase=${DEBUG_EXIT_PORT},iosize=1`,
    '-drive', `file=${image},format=raw,if=ide`,
  ];
  const result = await new Promise<{ code: number | null; timedOut: boolean; stderr: string }>((done) => {
    execFile(qemu, args, { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', cwd: workDir }, (error, _stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, timedOut: error?.killed === true, stderr: String(stderr) });
    });
  });
  if (result.code === ((PROBE_VALUE << 1) | 1)) return { kind: 'kvm' };
  const detail = result.timedOut ? `the probe guest did not finish in ${PROBE_TIMEOUT_MS / 1000} s` : qemuError(result.stderr) || `qemu exited with status ${result.code ?? 'killed by a signal'}`;
  return { kind: 'tcg', reason: `${KVM_DEVICE} is there, but qemu cannot run a guest with it: ${detail}` };
}
