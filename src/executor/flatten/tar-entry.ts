/**
 * Adapts tar-stream headers to cube's entry model: path normalisation with hostile-path checks,
 * pax nanosecond times and xattrs, device numbers. tar-stream stays inside this module and
 * `read-layer.ts`.
 */
import type { TarHeader } from './read-layer.js';
import type { EntryMeta, EntryType, Timestamp } from '../../core/tree-writer.js';

/** Why a layer path was refused. */
export type PathProblem = 'escape' | 'absolute' | 'deep';

/** Result of normalising a tar entry name: an absolute tree path (`/a/b`), or a problem. */
export type NormalisedPath = { readonly path: string } | { readonly problem: PathProblem };

/**
 * Turns a tar member name (`./usr/bin/`, `usr//bin`) into a tree path (`/usr/bin`). Absolute names
 * and any `..` that climbs above the root are refused rather than clamped: a well-formed layer
 * never contains them, so they only appear in hostile or broken images. So is a path that goes
 * deeper than `maxDepth` components at any point: the name is read component by component, and
 * a deep one is refused before it costs more than its length.
 */
export function normaliseLayerPath(name: string, maxDepth = Infinity): NormalisedPath {
  if (name.startsWith('/')) return { problem: 'absolute' };
  const parts: string[] = [];
  for (let start = 0; start <= name.length; ) {
    const slash = name.indexOf('/', start);
    const end = slash === -1 ? name.length : slash;
    const part = name.slice(start, end);
    start = end + 1;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { problem: 'escape' };
      parts.pop();
      continue;
    }
    if (parts.push(part) > maxDepth) return { problem: 'deep' };
  }
  return { path: '/' + parts.join('/') };
}

/** Parent of a tree path (`/a/b` → `/a`, `/a` → `/`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last component of a tree path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The tar record kinds flattening understands, after tar-stream merged pax/GNU long records. */
export type TarKind = EntryType | 'hardlink';

/**
 * Maps a tar-stream header type to cube's kind; `undefined` for records cube refuses. tar-stream
 * reports unknown typeflags (GNU sparse `S`, volume headers, …) as null.
 */
export function tarKind(type: TarHeader['type']): TarKind | undefined {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
      return 'char';
    case 'block-device':
      return 'block';
    case 'fifo':
      return 'fifo';
    default:
      return undefined;
  }
}

/** Parses a pax decimal time (`1700000000.123456789`, `-1.5`) into seconds and nanoseconds. */
export function parsePaxTime(value: string): Timestamp | undefined {
  const m = /^(-?)(\d+)(?:\.(\d{1,9})\d*)?$/.exec(value.trim());
  if (!m) return undefined;
  const sec = Number(m[2]);
  const nsec = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  if (m[1] !== '-') return { sec, nsec };
  // -1.5 s is 1.5 s before the epoch: sec -2, nsec 500_000_000.
  return nsec === 0 ? { sec: -sec, nsec: 0 } : { sec: -sec - 1, nsec: 1_000_000_000 - nsec };
}

const ACL_TAGS: Readonly<Record<string, number>> = { user: 0x02, group: 0x08 };
/** The largest id an ACL entry can name: 32 bits, less the "undefined id" 2^32-1. */
const MAX_ACL_ID = 0xfffffffe;
const ACL_OBJ_TAGS: Readonly<Record<string, number>> = { user: 0x01, group: 0x04, mask: 0x10, other: 0x20 };

/**
 * A `SCHILY.acl.*` text ACL (`user::rwx,user:1000:r-x,group::r-x,mask::r-x,other::r--`, star's
 * format, optionally with a numeric id as fourth field) as the kernel's POSIX ACL xattr value.
 * Undefined when an entry names a user or group only by name: the ids cannot be known here.
 */
export function aclXattr(text: string): Uint8Array | undefined {
  const entries: { tag: number; perm: number; id: number }[] = [];
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter((p) => p !== '')) {
    const [tagWord, qualifier = '', perms = '', numeric] = part.split(':');
    const perm = (perms.includes('r') ? 4 : 0) | (perms.includes('w') ? 2 : 0) | (perms.includes('x') ? 1 : 0);
    if (qualifier === '') {
      const tag = ACL_OBJ_TAGS[tagWord ?? ''];
      if (tag === undefined) return undefined;
      entries.push({ tag, perm, id: 0xffffffff });
      continue;
    }
    const tag = ACL_TAGS[tagWord ?? ''];
    const id = /^\d+$/.test(qualifier) ? Number(qualifier) : numeric !== undefined && /^\d+$/.test(numeric) ? Number(numeric) : undefined;
    if (tag === undefined || id === undefined || id > MAX_ACL_ID) return undefined;
    entries.push({ tag, perm, id });
  }
  entries.sort((a, b) => a.tag - b.tag || a.id - b.id);
  const out = Buffer.alloc(4 + 8 * entries.length);
  out.writeUInt32LE(2, 0);
  entries.forEach((e, i) => {
    out.writeUInt16LE(e.tag, 4 + 8 * i);
    out.writeUInt16LE(e.perm, 6 + 8 * i);
    out.writeUInt32LE(e.id, 8 + 8 * i);
  });
  return out;
}

/**
 * Extended attributes from pax records: `SCHILY.xattr.NAME` (raw bytes; see pax.ts),
 * `LIBARCHIVE.xattr.NAME` (base64 value, URL-encoded name), and POSIX ACLs from
 * `SCHILY.acl.access` / `SCHILY.acl.default` (dropped when they name users only by name).
 */
export function paxXattrs(pax: Readonly<Record<string, string>> | null | undefined): Map<string, Uint8Array> | undefined {
  if (!pax) return undefined;
  const out = new Map<string, Uint8Array>();
  for (const key of Object.keys(pax).sort()) {
    const value = pax[key] ?? '';
    if (key.startsWith('SCHILY.xattr.')) {
      out.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value, 'latin1'));
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      const name = libarchiveXattrName(key);
      if (name !== undefined) out.set(name, Buffer.from(value, 'base64'));
    } else if (key === 'SCHILY.acl.access' || key === 'SCHILY.acl.default') {
      const acl = aclXattr(value);
      if (acl) out.set(key === 'SCHILY.acl.access' ? 'system.posix_acl_access' : 'system.posix_acl_default', acl);
    }
  }
  return out.size > 0 ? out : undefined;
}

/** The attribute name of a `LIBARCHIVE.xattr.%XX…` key, or undefined when its escapes are not valid. */
function libarchiveXattrName(key: string): string | undefined {
  try {
    return decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
  } catch {
    return undefined;
  }
}

/**
 * Why pax records cannot be stored as they say, or undefined: an extended attribute name whose
 * %-escapes are not valid, or an ACL that names an id of more than 32 bits. Either would lose or
 * change data silently, so the entry is refused.
 */
export function paxProblem(pax: Readonly<Record<string, string>> | null | undefined): { message: 'paxXattrName'; key: string } | { message: 'paxAclId'; key: string; id: string } | undefined {
  if (!pax) return undefined;
  for (const [key, value] of Object.entries(pax)) {
    if (key.startsWith('LIBARCHIVE.xattr.') && libarchiveXattrName(key) === undefined) return { message: 'paxXattrName', key };
    if (key === 'SCHILY.acl.access' || key === 'SCHILY.acl.default') {
      const ids = value.split(/[,\n]/).flatMap((part) => part.trim().split(':').filter((field, i) => (i === 1 || i === 3) && /^\d+$/.test(field)));
      const big = ids.find((digits) => Number(digits) > MAX_ACL_ID);
      if (big !== undefined) return { message: 'paxAclId', key, id: big };
    }
  }
  return undefined;
}

/** Converts a non-hardlink header into entry metadata for the tree writer. */
export function headerToMeta(header: TarHeader, type: EntryType): EntryMeta {
  const pax = header.pax ?? undefined;
  const mtimeMs = header.mtime ? header.mtime.getTime() : 0;
  const mtime = (pax?.mtime && parsePaxTime(pax.mtime)) || { sec: Math.floor(mtimeMs / 1000), nsec: 0 };
  const atime = pax?.atime ? parsePaxTime(pax.atime) : undefined;
  const ctime = pax?.ctime ? parsePaxTime(pax.ctime) : undefined;
  const xattrs = paxXattrs(pax);
  return {
    type,
    // Linux symlinks are always 0777 whatever the tar says; keep what extraction would produce.
    mode: type === 'symlink' ? 0o777 : (header.mode ?? (type === 'dir' ? 0o755 : 0o644)) & 0o7777,
    uid: pax?.uid ? Number(pax.uid) : header.uid ?? 0,
    gid: pax?.gid ? Number(pax.gid) : header.gid ?? 0,
    mtime,
    ...(atime ? { atime } : {}),
    ...(ctime ? { ctime } : {}),
    ...(type === 'file' ? { size: header.size ?? 0 } : {}),
    ...(type === 'symlink' ? { linkTarget: header.linkname ?? '' } : {}),
    ...(type === 'char' || type === 'block' ? { devMajor: header.devmajor ?? 0, devMinor: header.devminor ?? 0 } : {}),
    ...(xattrs ? { xattrs } : {}),
  };
}

/** The ACL records of `pax` that {@link paxXattrs} could not keep (they name users or groups only by name). */
export function droppedAcls(pax: Readonly<Record<string, string>> | null | undefined): string[] {
  if (!pax) return [];
  return (['SCHILY.acl.access', 'SCHILY.acl.default'] as const).filter((key) => pax[key] !== undefined && aclXattr(pax[key]) === undefined);
}

/** Whether pax records describe a GNU sparse file (formats 0.x and 1.0), which cube refuses. */
export function isPaxSparse(pax: Readonly<Record<string, string>> | null | undefined): boolean {
  return pax ? Object.keys(pax).some((k) => k.startsWith('GNU.sparse.')) : false;
}
