/**
 * Resolves `user[:group]` (names or numbers) to numeric ids against the image's `/etc/passwd`
 * and `/etc/group`, as Docker does for USER and `COPY --chown`, and a workload's whole identity
 * (supplementary groups and home directory too) as Docker gives it to the container's process.
 */
import type { WorkloadIdentity } from '../../core/exec-as/index.js';
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
  return createDiagnostic(kind === 'user' ? buildCodes.unknownUser : buildCodes.unknownGroup, 'outOfRange', { id: text, most: MAX_ID });
}

/** The records of an account file (`name:x:…` lines, comments and blank lines left out), split into fields. */
export function records(text: string | undefined): string[][] {
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
      return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownUser, files.passwd === undefined ? 'noPasswd' : 'notInPasswd', { user }) };
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
    return { ok: false, diagnostic: createDiagnostic(buildCodes.unknownGroup, files.group === undefined ? 'noGroupFile' : 'notInGroupFile', { group }) };
  }
  return { ok: true, value: { uid, gid } };
}

/** A workload's identity and home directory (for HOME when the environment sets none). */
export interface ResolvedIdentity extends WorkloadIdentity {
  readonly home: string;
}

/**
 * The identity a process started as `USER` (empty: root) runs with, as Docker computes it: the
 * user and group as {@link resolveUser} resolves them; the supplementary groups are the groups
 * whose member list names the user, when the user is in /etc/passwd and no group was given;
 * the home directory is the passwd entry's, else `/`.
 */
export function resolveIdentity(spec: string, files: AccountFiles): { ok: true; value: ResolvedIdentity } | { ok: false; diagnostic: Diagnostic } {
  const { user, group } = spec === '' ? { user: '0', group: undefined } : splitUserSpec(spec);
  const resolved = resolveUser(user, group, files);
  if (!resolved.ok) return resolved;
  const entry = records(files.passwd).find((r) => (NUMERIC.test(user) ? numericId(r[2]) === resolved.value.uid : r[0] === user));
  const name = entry?.[0];
  const additionalGids: number[] = [];
  if (name !== undefined && (group === undefined || group === '')) {
    for (const record of records(files.group)) {
      const gid = numericId(record[2]);
      const members = (record[3] ?? '').split(',');
      if (gid !== undefined && members.includes(name) && !additionalGids.includes(gid)) additionalGids.push(gid);
    }
  }
  return { ok: true, value: { ...resolved.value, additionalGids, home: entry?.[5] || '/' } };
}

/** Splits `USER` / `--chown` text (`name`, `name:group`, `1000:1000`) into its parts. */
export function splitUserSpec(spec: string): { user: string; group?: string } {
  const i = spec.indexOf(':');
  return i === -1 ? { user: spec } : { user: spec.slice(0, i), group: spec.slice(i + 1) };
}
