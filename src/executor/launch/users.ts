/**
 * Resolves `user[:group]` (names or numbers) to numeric ids against the image's `/etc/passwd`
 * and `/etc/group`, as Docker does for USER and `COPY --chown`.
 */
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';

/** Numeric owner. */
export interface NumericUser {
  readonly uid: number;
  readonly gid: number;
}

/** The image's account databases as text; absent when the file does not exist. */
export interface AccountFiles {
  readonly passwd?: string;
  readonly group?: string;
}

const NUMERIC = /^\d+$/;
/** The largest id Linux gives a user or group: 2^32 - 1 means "no id" ((uid_t) -1). */
const MAX_ID = 2 ** 32 - 2;

/** A numeric id in range, or undefined (not a number, or a number no Linux id can be). */
function numericId(text: string | undefined): number | undefined {
  if (text === undefined || !NUMERIC.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

function outOfRange(kind: 'user' | 'group', text: string): Diagnostic {
  return createDiagnostic(kind === 'user' ? buildCodes.unknownUser : buildCodes.unknownGroup, `${kind} id ${text} is out of range (0 to ${MAX_ID})`);
}

function records(text: string | undefined): string[][] {
  if (!text) return [];
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

/**
 * Resolves a user and optional group. A named user without a group takes the user's primary
 * group; a numeric uid absent from passwd takes gid 0 (Docker's behaviour).
 */
export function resolveUser(
  user: string,
  group: string | undefined,
  files: AccountFiles,
): { ok: true; value: NumericUser } | { ok: false; diagnostic: Diagnostic } {
  const passwd = records(files.passwd);
  let uid: number;
  let primaryGid = 0;
  if (NUMERIC.test(user)) {
    const id = numericId(user);
    if (id === undefined) return { ok: false, diagnostic: outOfRange('user', user) };
    uid = id;
    const rec = passwd.find((r) => r[2] === user);
    primaryGid = numericId(rec?.[3]) ?? 0;
  } else {
    const rec = passwd.find((r) => r[0] === user);
    const id = numericId(rec?.[2]);
    if (id === undefined) {
      const where = files.passwd === undefined ? 'the image has no /etc/passwd' : 'it is not in the image\'s /etc/passwd';
      return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownUser, `unknown user "${user}": ${where}`) };
    }
    uid = id;
    primaryGid = numericId(rec?.[3]) ?? 0;
  }
  if (group === undefined || group === '') return { ok: true, value: { uid, gid: primaryGid } };
  if (NUMERIC.test(group)) {
    const gid = numericId(group);
    return gid === undefined ? { ok: false, diagnostic: outOfRange('group', group) } : { ok: true, value: { uid, gid } };
  }
  const gid = numericId(records(files.group).find((r) => r[0] === group)?.[2]);
  if (gid === undefined) {
    const where = files.group === undefined ? 'the image has no /etc/group' : 'it is not in the image\'s /etc/group';
    return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownGroup, `unknown group "${group}": ${where}`) };
  }
  return { ok: true, value: { uid, gid } };
}

/** Splits `USER` / `--chown` text (`name`, `name:group`, `1000:1000`) into its parts. */
export function splitUserSpec(spec: string): { user: string; group?: string } {
  const i = spec.indexOf(':');
  return i === -1 ? { user: spec } : { user: spec.slice(0, i), group: spec.slice(i + 1) };
}
