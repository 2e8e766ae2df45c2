/** `INJECT envd`: writes the planner-hashed envd binary at its one in-image path. */
import type { InjectSpec } from '../../core/build-spec.js';
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
}

/** Writes envd at `imagePath`, 0755 root:root, missing parents created 0755 root:root. */
export async function injectEnvd(writer: TreeWriter<unknown>, injection: EnvdInjection): Promise<void> {
  await writeVerifiedFile(
    writer,
    injection.imagePath,
    { mode: 0o755, uid: 0, gid: 0, mtime: injection.mtime ?? { sec: 0, nsec: 0 } },
    injection.file,
    'envd',
  );
}
