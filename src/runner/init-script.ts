/**
 * The guest's `/init`: a busybox shell script that does what the platform does before it starts
 * a sandbox, then starts the process exactly as launch.json says. It loads the drivers, mounts
 * rootfs.ext4 read-only (virtio-pmem with DAX, or virtio-blk) as the lower layer of an overlay
 * whose upper layer is a tmpfs or a scratch disk, mounts /proc, /sys, /dev, /dev/pts, /dev/shm
 * and /tmp inside it, brings up the network, and runs argv with exactly env (nothing inherited),
 * cwd, uid and gid, chrooted into the overlay. The init stays PID 1 and outlives the process, so
 * it can report how the process ended; every step reports on the console with a `cube-init:`
 * line that the host reads (see console-watch.ts), then the machine powers off.
 */
import type { LaunchManifest } from '../executor/launch/index.js';
import { shellQuote } from '../executor/launch/index.js';

/** How the rootfs is attached: virtio-pmem (the platform's way, with DAX) or virtio-blk. */
export type DiskMode = 'pmem' | 'blk';

/** The prefix of every line the init writes for the host. */
export const INIT_MARK = 'cube-init:';
/** The steps that can fail, as they appear in `cube-init: failed: STEP: …`. */
export const INIT_STEPS = ['modules', 'rootfs', 'upper', 'overlay', 'mounts', 'network', 'process'] as const;
/** One of {@link INIT_STEPS}. */
export type InitStep = (typeof INIT_STEPS)[number];

/** The guest's address on qemu's user network, which forwards the host ports to it. */
export const GUEST_ADDRESS = '10.0.2.15';
const GATEWAY = '10.0.2.2';

/** Where things live inside the initramfs. */
export const INITRAMFS_PATHS = { busybox: '/bin/busybox', modules: '/lib/cube-modules', lower: '/cube/lower', upper: '/cube/upper', root: '/cube/root' } as const;

/** Everything the init needs to know, decided on the host. */
export interface InitPlan {
  /** Module files in the initramfs, in load order. */
  readonly modules: readonly string[];
  /** Drivers not packed but maybe in a `--initrd` archive: `modprobe`d, failures ignored. */
  readonly modprobe: readonly string[];
  readonly disk: DiskMode;
  /** Whether a scratch disk holds the upper layer (else a tmpfs). */
  readonly scratch: boolean;
  readonly process: LaunchManifest['process'];
}

/** The busybox applets the script calls; the initramfs links each name to busybox. */
export const INIT_APPLETS = ['sh', 'mount', 'mkdir', 'insmod', 'modprobe', 'ip', 'env', 'nsenter', 'poweroff', 'sleep'] as const;

/** The block devices the plan's disks appear as: virtio-blk disks are named in the order they are attached. */
export function guestDevices(disk: DiskMode, scratch: boolean): { rootfs: string; scratch?: string } {
  if (disk === 'pmem') return { rootfs: '/dev/pmem0', ...(scratch ? { scratch: '/dev/vda' } : {}) };
  return { rootfs: '/dev/vda', ...(scratch ? { scratch: '/dev/vdb' } : {}) };
}

/** The script's text. Every value from launch.json is single-quoted, so none is re-parsed. */
export function initScript(plan: InitPlan): string {
  const { lower, upper, root } = INITRAMFS_PATHS;
  const devices = guestDevices(plan.disk, plan.scratch);
  const q = shellQuote;
  const rootfsOptions = plan.disk === 'pmem' ? 'ro,dax=always' : 'ro';
  const upperMount = devices.scratch !== undefined
    ? [`wait_for ${devices.scratch} || fail upper 'the scratch disk ${devices.scratch} did not appear'`, `mount -t ext4 ${devices.scratch} ${upper} || fail upper 'cannot mount the scratch disk'`]
    : [`mount -t tmpfs -o mode=0755 upper ${upper} || fail upper 'cannot mount a tmpfs'`];
  const { argv, env, cwd, user } = plan.process;
  return [
    '#!/bin/sh',
    '# cube run: the guest init (written by cube; see src/runner/init-script.ts).',
    'export PATH=/bin',
    `fail() { echo "${INIT_MARK} failed: $1: $2"; poweroff -f; sleep 10; }`,
    'wait_for() { n=0; while [ ! -e "$1" ]; do n=$((n + 1)); [ $n -gt 300 ] && return 1; sleep 0.1; done; }',
    'mkdir -p /proc /sys /dev',
    'mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs devtmpfs /dev || fail mounts \'cannot mount /proc, /sys or /dev in the initramfs\'',
    ...plan.modules.map((m) => `insmod ${q(m)} || fail modules ${q(`cannot load ${m}`)}`),
    ...plan.modprobe.map((m) => `modprobe ${q(m)} 2>/dev/null`),
    `wait_for ${devices.rootfs} || fail rootfs 'the rootfs device ${devices.rootfs} did not appear'`,
    `mount -t ext4 -o ${rootfsOptions} ${devices.rootfs} ${lower} || fail rootfs 'cannot mount ${devices.rootfs} (ext4, ${rootfsOptions})'`,
    ...upperMount,
    `mkdir -p ${upper}/upper ${upper}/work || fail upper 'cannot create the upper layer'`,
    `mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper}/upper,workdir=${upper}/work ${root} || fail overlay 'cannot mount the overlay'`,
    `for d in proc sys dev tmp; do [ -d ${root}/$d ] || mkdir -p ${root}/$d || fail mounts "cannot create /$d"; done`,
    `mount -t proc proc ${root}/proc && mount -t sysfs sysfs ${root}/sys && mount -t devtmpfs devtmpfs ${root}/dev || fail mounts 'cannot mount /proc, /sys or /dev'`,
    `mkdir -p ${root}/dev/pts ${root}/dev/shm && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts ${root}/dev/pts || fail mounts 'cannot mount /dev/pts'`,
    `mount -t tmpfs -o mode=1777 shm ${root}/dev/shm && mount -t tmpfs -o mode=1777 tmpfs ${root}/tmp || fail mounts 'cannot mount /dev/shm or /tmp'`,
    `wait_for /sys/class/net/eth0 || fail network 'no network device'`,
    `ip link set lo up && ip link set eth0 up && ip addr add ${GUEST_ADDRESS}/24 dev eth0 && ip route add default via ${GATEWAY} || fail network 'cannot configure eth0'`,
    // runc creates a missing working directory too.
    `mkdir -p ${q(root + cwd)} || fail process ${q(`cannot create the working directory ${cwd}`)}`,
    [
      'env -i',
      ...env.map(q),
      `/bin/nsenter -r${root} -w${q(root + cwd)} -S ${user.uid} -G ${user.gid} -F --`,
      ...argv.map(q),
      '&',
    ].join(' '),
    'pid=$!',
    `echo "${INIT_MARK} started the process"`,
    'wait $pid',
    `echo "${INIT_MARK} the process exited with status $?"`,
    'poweroff -f',
    '',
  ].join('\n');
}
