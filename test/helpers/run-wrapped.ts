/**
 * Runs a built artifact's process on this host as the platform would (needs root): the image
 * loop-mounted read-only under a writable overlay, `/dev` bound in, then `launch.json`'s argv
 * started in a new PID namespace rooted there, as `process.user`, in `process.cwd`, with
 * `process.env` and nothing else. The caller reads what the process left in the overlay.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Result } from 'execa';
import { launchManifestSchema } from '../../src/executor/launch/index.js';
import type { LaunchManifest } from '../../src/executor/launch/index.js';

/** Runs `<out>/launch.json`'s process over `<out>/rootfs.ext4`, then `inspect(merged root, …)` before unmounting. */
export async function runWrapped<T>(out: string, work: string, inspect: (root: string, run: Result, manifest: LaunchManifest) => Promise<T>): Promise<T> {
  const manifest = launchManifestSchema.parse(JSON.parse(await readFile(join(out, 'launch.json'), 'utf8')));
  const [mnt, upper, merged] = ['mnt', 'upper', 'merged'].map((d) => join(work, d)) as [string, string, string];
  await execa('mkdir', ['-p', mnt, join(upper, 'u'), join(upper, 'w'), merged]);
  await execa('mount', ['-o', 'loop,ro', join(out, 'rootfs.ext4'), mnt]);
  try {
    // A writable view over the read-only image, as the sandbox gives the workload.
    await execa('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${mnt},upperdir=${upper}/u,workdir=${upper}/w`, merged]);
    try {
      await execa('mkdir', ['-p', join(merged, 'dev'), join(merged, 'tmp')]);
      await execa('mount', ['--rbind', '/dev', join(merged, 'dev')]);
      try {
        const env = Object.fromEntries(manifest.process.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
        const { uid, gid } = manifest.process.user;
        const run = await execa('unshare', ['--pid', '--fork', '--kill-child', `--root=${merged}`, `--wd=${manifest.process.cwd}`, `--setuid=${uid}`, `--setgid=${gid}`, '--', ...manifest.process.argv], {
          env,
          extendEnv: false,
          reject: false,
          timeout: 30_000,
        });
        return await inspect(merged, run, manifest);
      } finally {
        await execa('umount', ['-R', join(merged, 'dev')]);
      }
    } finally {
      await execa('umount', [merged]);
    }
  } finally {
    await execa('umount', [mnt]);
  }
}
