/**
 * Build-time checks that a wrapped image can start: `/bin/sh` exists and the workload's
 * executable resolves, both looked up in the flattened tree with symlinks followed inside the
 * rootfs only.
 */
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { FlattenedIndex } from '../flatten/index.js';
import type { EffectiveProcess } from './effective-process.js';
import { pathOf } from '../../core/image.js';
import { workloadArgv } from './wrap.js';

/** Whether `path` is, symlinks followed inside the image, an executable regular file. */
export function isExecutableFile(index: FlattenedIndex, path: string): boolean {
  const hit = index.resolve(path);
  return hit !== undefined && hit.inode.meta.type === 'file' && (hit.inode.meta.mode & 0o111) !== 0;
}

/** Resolves a command name as execvp would: paths with `/` directly (relative to cwd), else PATH. */
export function resolveExecutable(index: FlattenedIndex, name: string, cwd: string, path: string): string | undefined {
  if (name === '') return undefined;
  if (name.includes('/')) {
    const full = name.startsWith('/') ? name : `${cwd.replace(/\/$/, '')}/${name}`;
    return isExecutableFile(index, full) ? full : undefined;
  }
  for (const dir of path.split(':')) {
    const base = dir === '' ? cwd : dir.startsWith('/') ? dir : `${cwd.replace(/\/$/, '')}/${dir}`;
    const full = `${base.replace(/\/$/, '')}/${name}`;
    if (isExecutableFile(index, full)) return full;
  }
  return undefined;
}

/** The workload's executable does not resolve in the image; `keepAlive` when it is the keep-alive of an empty process. */
export function workloadNotFound(name: string, path: string, keepAlive = false): Diagnostic {
  const message = name.includes('/') ? 'atPath' : keepAlive ? 'keepAliveOnPath' : 'onPath';
  return createDiagnostic(buildCodes.workloadNotFound, message, { name, path });
}

/**
 * Checks that `process`, wrapped, can start in the flattened tree. Returns the problems and the
 * workload's executable as execvp would find it (exec-as needs the path).
 */
export function checkWrappable(index: FlattenedIndex, process: EffectiveProcess): { problems: Diagnostic[]; executable?: string } {
  const out: Diagnostic[] = [];
  if (!isExecutableFile(index, '/bin/sh')) {
    out.push(createDiagnostic(buildCodes.wrapNoShell, 'noShell', {}));
  }
  const argv = workloadArgv(process.argv);
  const name = argv[0] ?? '';
  const path = pathOf(process.env);
  const executable = resolveExecutable(index, name, process.cwd, path);
  if (!executable) {
    out.push(workloadNotFound(name, path, process.argv.length === 0));
  }
  return { problems: out, ...(executable ? { executable } : {}) };
}
