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
    uid = Number(user);
    const rec = passwd.find((r) => r[2] === user);
    if (rec && rec[3] && NUMERIC.test(rec[3])) primaryGid = Number(rec[3]);
  } else {
    const rec = passwd.find((r) => r[0] === user);
    if (!rec || !rec[2] || !NUMERIC.test(rec[2])) {
      const where = files.passwd === undefined ? 'the image has no /etc/passwd' : 'it is not in the image\'s /etc/passwd';
      return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownUser, `unknown user "${user}": ${where}`) };
    }
    uid = Number(rec[2]);
    primaryGid = rec[3] && NUMERIC.test(rec[3]) ? Number(rec[3]) : 0;
  }
  if (group === undefined || group === '') return { ok: true, value: { uid, gid: primaryGid } };
  if (NUMERIC.test(group)) return { ok: true, value: { uid, gid: Number(group) } };
  const grec = records(files.group).find((r) => r[0] === group);
  if (!grec || !grec[2] || !NUMERIC.test(grec[2])) {
    const where = files.group === undefined ? 'the image has no /etc/group' : 'it is not in the image\'s /etc/group';
    return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownGroup, `unknown group "${group}": ${where}`) };
  }
  return { ok: true, value: { uid, gid: Number(grec[2]) } };
}

/** Splits `USER` / `--chown` text (`name`, `name:group`, `1000:1000`) into its parts. */
export function splitUserSpec(spec: string): { user: string; group?: string } {
  const i = spec.indexOf(':');
  return i === -1 ? { user: spec } : { user: spec.slice(0, i), group: spec.slice(i + 1) };
}
