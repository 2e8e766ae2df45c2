/**
 * An in-memory filesystem implementing TreeWriter's documented semantics, for tests: parents
 * created root-owned 0755, replacement (a dir over a dir keeps children), hard links sharing an
 * inode, exact byte counts enforced for file data.
 */
import type { EntryMeta, TreeWriter } from '../../src/core/tree-writer.js';

/** One in-memory inode; hard-linked paths share the object. */
export interface MemoryInode {
  meta: EntryMeta;
  data: Buffer;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** A complete in-memory TreeWriter. */
export class MemoryTree implements TreeWriter<void> {
  readonly entries = new Map<string, MemoryInode>();
  #pending: { inode: MemoryInode; remaining: number; chunks: Buffer[] } | undefined;
  #closed = false;

  constructor() {
    this.entries.set('/', { meta: { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } }, data: Buffer.alloc(0) });
  }

  #check(path?: string): void {
    if (this.#closed) throw new Error('MemoryTree: used after close');
    if (this.#pending && this.#pending.remaining > 0) throw new Error('MemoryTree: file data incomplete');
    if (path !== undefined && (!path.startsWith('/') || (path !== '/' && path.endsWith('/')) || path.includes('//'))) {
      throw new Error(`MemoryTree: path not normalised: ${path}`);
    }
  }

  #ensureParents(path: string): void {
    const parent = parentOf(path);
    if (path === '/' || this.entries.has(parent)) {
      const p = this.entries.get(parent);
      if (p && p.meta.type !== 'dir') throw new Error(`MemoryTree: parent ${parent} is not a directory`);
      return;
    }
    this.#ensureParents(parent);
    this.entries.set(parent, { meta: { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: { sec: 0, nsec: 0 } }, data: Buffer.alloc(0) });
  }

  async create(path: string, meta: EntryMeta): Promise<void> {
    this.#check(path);
    this.#finishPending();
    this.#ensureParents(path);
    const existing = this.entries.get(path);
    if (existing && existing.meta.type === 'dir' && meta.type === 'dir') {
      existing.meta = meta;
      return;
    }
    if (existing) this.#removeTree(path);
    const inode: MemoryInode = { meta, data: Buffer.alloc(0) };
    this.entries.set(path, inode);
    if (meta.type === 'file') {
      const size = meta.sparse ? meta.sparse.reduce((n, r) => n + r.length, 0) : meta.size ?? 0;
      this.#pending = { inode, remaining: size, chunks: [] };
      if (size === 0) this.#finishPending();
    }
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.#pending || data.length > this.#pending.remaining) throw new Error('MemoryTree: write beyond file size');
    this.#pending.chunks.push(Buffer.from(data));
    this.#pending.remaining -= data.length;
    if (this.#pending.remaining === 0) this.#finishPending();
  }

  #finishPending(): void {
    if (!this.#pending) return;
    if (this.#pending.remaining > 0) throw new Error('MemoryTree: file data incomplete');
    this.#pending.inode.data = Buffer.concat(this.#pending.chunks);
    this.#pending = undefined;
  }

  async link(target: string, path: string): Promise<void> {
    this.#check(path);
    const inode = this.entries.get(target);
    if (!inode || inode.meta.type === 'dir') throw new Error(`MemoryTree: bad link target ${target}`);
    this.#ensureParents(path);
    if (this.entries.has(path)) this.#removeTree(path);
    this.entries.set(path, inode);
  }

  async remove(path: string): Promise<void> {
    this.#check(path);
    this.#removeTree(path);
  }

  #removeTree(path: string): void {
    const prefix = path === '/' ? '/' : path + '/';
    for (const key of [...this.entries.keys()]) if (key === path || key.startsWith(prefix)) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.#check();
    this.#closed = true;
  }

  async abort(): Promise<void> {
    this.#closed = true;
  }

  /** A stable text listing: one line per path with type, mode, owner, size/target and link group. */
  dump(): string {
    const groups = new Map<MemoryInode, string>();
    const lines: string[] = [];
    for (const path of [...this.entries.keys()].sort()) {
      const inode = this.entries.get(path) as MemoryInode;
      const m = inode.meta;
      let line = `${path} ${m.type} ${m.mode.toString(8).padStart(4, '0')} ${m.uid}:${m.gid}`;
      if (m.type === 'file') line += ` ${JSON.stringify(inode.data.toString('utf8'))}`;
      if (m.type === 'symlink') line += ` -> ${m.linkTarget}`;
      if (m.type === 'char' || m.type === 'block') line += ` ${m.devMajor},${m.devMinor}`;
      if (m.type !== 'dir') {
        const first = groups.get(inode);
        if (first) line += ` =link ${first}`;
        else groups.set(inode, path);
      }
      lines.push(line);
    }
    return lines.join('\n');
  }
}
