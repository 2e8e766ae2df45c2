/**
 * `INJECT envd`: writes the planner-hashed envd binary at its one in-image path, and exec-as
 * (the helper that runs the workload as USER while envd runs as root) at its own.
 */
import type { InjectSpec } from '../../core/build-spec.js';
import { EXEC_AS_PATH } from '../../core/exec-as/index.js';
import type { Timestamp, TreeWriter } from '../../core/tree-writer.js';
import type { HostFile } from './verified-file.js';
import { writeVerifiedFile } from './verified-file.js';

/** The envd injection as plain data: where the planner found and hashed it, and where it goes. */
export interface EnvdInjection {
  readonly file: HostFile;
  /** `InjectSpec.imagePath`: the same value the wrapper starts. */
  readonly imagePath: InjectSpec['imagePath'];
  /** Timestamp for the file (default the epoch), fixed so the artifact is reproducible. */
  readonly mtime?: Timestamp;
  /** exec-as for the image's architecture (see core/exec-as), when cube has one. */
  readonly execAs?: Uint8Array;
}

/** Writes envd at `imagePath` and exec-as at its path, 0755 root:root, missing parents 0755 root:root. */
export async function injectEnvd(writer: TreeWriter<unknown>, injection: EnvdInjection): Promise<void> {
  const meta = { mode: 0o755, uid: 0, gid: 0, mtime: injection.mtime ?? { sec: 0, nsec: 0 } };
  await writeVerifiedFile(writer, injection.imagePath, meta, injection.file, 'envd');
  if (injection.execAs) {
    await writer.create(EXEC_AS_PATH, { ...meta, type: 'file', size: injection.execAs.length });
    await writer.write(injection.execAs);
  }
}
