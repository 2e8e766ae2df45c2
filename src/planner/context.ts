/**
 * COPY sources from the build context, hashed by content, mode and name (never mtime):
 * paths relative to the context (globs allowed), never outside it, `.cubeignore`
 * (dockerignore syntax) honoured, and symlinks as Docker treats them: a symlink named as a
 * source is followed, symlinks inside a copied directory are copied as symlinks. Names are bytes:
 * directories are listed and symlinks read as bytes, kept in cube's name form (core/names.ts),
 * and every path is handed back to the filesystem through `fsPath`.
 */
import { lstat, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import ignoreModule from '@balena/dockerignore';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { Span } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { fsPath, nameFromBytes, readNames } from '../core/names.js';
import type { CopyEntry, CopySource } from '../executor/inject/index.js';
import type { HostFileHasher } from './host-files.js';

type Ignore = { ignores(path: string): boolean };
const createIgnore = ignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore & { add(patterns: string[]): Ignore };

/** The directory, at the context's root, that holds cube's default outputs. */
const OWN_DIRECTORY = '.cube';

/** The build context: its root, its .cubeignore, and the hasher. */
export class BuildContext {
  private constructor(
    readonly root: string,
    readonly realRoot: string,
    readonly ignore: Ignore,
    readonly hasher: HostFileHasher,
  ) {}

  /** Opens the context at `root`, reading `.cubeignore` if present. */
  static async open(root: string, hasher: HostFileHasher): Promise<BuildContext> {
    const text = await readFile(join(root, '.cubeignore'), 'utf8').catch(() => '');
    const patterns: string[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      const pattern = line.trim();
      if (pattern !== '' && !pattern.startsWith('#')) {
        // The matcher compiles a pattern only when it is first used, and throws then if it is
        // not valid (`[` unclosed, a range like `[z-a]`): try each one now, where it can be named.
        try {
          createIgnore({ ignorecase: false }).add([pattern]).ignores('probe');
        } catch {
          const span = { file: '.cubeignore', start: offset + line.indexOf(pattern), end: offset + line.indexOf(pattern) + pattern.length };
          throw new DiagnosticError(createDiagnostic(planCodes.badIgnorePattern, `"${pattern}" is not a valid pattern`, { span }), new Map([['.cubeignore', text]]));
        }
        patterns.push(pattern);
      }
      offset += line.length + 1;
    }
    // cube's own output and state (`.cube/out/<name>` by default) never go into an image: copying
    // them would put the last build into the next one and change its hash every time.
    return new BuildContext(root, await realpath(root), createIgnore({ ignorecase: false }).add([`/${OWN_DIRECTORY}`, ...patterns]), hasher);
  }

  /** Resolves and hashes the sources of one COPY. */
  async sources(written: readonly string[], span: Span | undefined): Promise<CopySource[]> {
    const out: CopySource[] = [];
    for (const source of written) {
      const matches = await this.expand(source, span);
      for (const path of matches) out.push(await this.source(path, source, span));
    }
    return out;
  }

  fail(entry: (typeof planCodes)[keyof typeof planCodes], message: string, span: Span | undefined): never {
    throw new DiagnosticError(createDiagnostic(entry, message, span ? { span } : {}));
  }

  /** Context-relative `/` path of an absolute path. */
  rel(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  async expand(source: string, span: Span | undefined): Promise<string[]> {
    const cleaned = source.replace(/^\/+/, '') || '.';
    const lexical = resolve(this.root, cleaned);
    if (lexical !== this.root && !lexical.startsWith(this.root + sep)) {
      this.fail(planCodes.copyOutsideContext, `COPY source "${source}" is outside the build context ${this.root}`, span);
    }
    if (!/[*?[]/.test(cleaned)) {
      const rel = this.rel(lexical);
      if (rel !== '' && this.ignore.ignores(rel)) this.fail(planCodes.copySourceMissing, `COPY source "${source}" is excluded by ${rel === OWN_DIRECTORY || rel.startsWith(`${OWN_DIRECTORY}/`) ? 'cube (its own output directory)' : '.cubeignore'}`, span);
      return [lexical];
    }
    // Every component is compiled once, before any directory is read: a pattern that is not
    // valid is reported whatever the directories hold.
    const parts = cleaned.split('/').filter((p) => p !== '' && p !== '.').map((part) => {
      if (!/[*?[]/.test(part)) return part;
      const re = globComponent(part);
      if (!re) throw new DiagnosticError(createDiagnostic(planCodes.badCopyPattern, `COPY source pattern "${part}" is not valid`, span ? { span } : {}));
      return re;
    });
    const matches = (await this.glob(parts, this.root)).filter((p) => !this.ignore.ignores(this.rel(p)));
    if (matches.length === 0) this.fail(planCodes.copySourceMissing, `COPY source "${source}" matches nothing in the build context`, span);
    return matches.sort();
  }

  /** The paths below `dir` matching `parts`: literal names, or compiled pattern components. */
  async glob(parts: readonly (string | RegExp)[], dir: string): Promise<string[]> {
    const [head, ...rest] = parts;
    if (head === undefined) return [dir];
    if (typeof head === 'string') return this.glob(rest, join(dir, head));
    this.hasher.listed(dir);
    const names = await readNames(dir).catch(() => [] as string[]);
    const out: string[] = [];
    for (const name of names.sort()) if (head.test(name)) out.push(...(await this.glob(rest, join(dir, name))));
    return out;
  }

  async source(path: string, written: string, span: Span | undefined): Promise<CopySource> {
    let info;
    try {
      info = await stat(fsPath(path), { bigint: true });
    } catch {
      return this.fail(planCodes.copySourceMissing, `COPY source "${written}" does not exist in the build context ${this.root}`, span);
    }
    const real = nameFromBytes(await realpath(fsPath(path), { encoding: 'buffer' }));
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      this.fail(planCodes.copyOutsideContext, `COPY source "${written}" is a symlink to ${real}, outside the build context`, span);
    }
    const name = basename(path);
    if (info.isFile()) {
      const digest = await this.hasher.digest(path, info);
      return { name, isDir: false, entries: [{ type: 'file', relative: '', hostPath: path, digest, size: Number(info.size), mode: Number(info.mode) & 0o7777 }] };
    }
    if (!info.isDirectory()) this.fail(planCodes.copyUnreadable, `COPY source "${written}" is not a file, directory or symlink`, span);
    const entries: CopyEntry[] = [];
    await this.walk(path, '', entries, span);
    return { name, isDir: true, entries };
  }

  async walk(dir: string, prefix: string, out: CopyEntry[], span: Span | undefined): Promise<void> {
    this.hasher.listed(dir);
    const names = (await readNames(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const path = join(dir, name);
      const relativeName = prefix === '' ? name : `${prefix}/${name}`;
      if (this.ignore.ignores(this.rel(path))) continue;
      const info = await lstat(fsPath(path), { bigint: true });
      const mode = Number(info.mode) & 0o7777;
      if (info.isSymbolicLink()) out.push({ type: 'symlink', relative: relativeName, linkTarget: nameFromBytes(await readlink(fsPath(path), { encoding: 'buffer' })) });
      else if (info.isDirectory()) {
        out.push({ type: 'dir', relative: relativeName, mode });
        await this.walk(path, relativeName, out, span);
      } else if (info.isFile()) {
        out.push({ type: 'file', relative: relativeName, hostPath: path, digest: await this.hasher.digest(path, info), size: Number(info.size), mode });
      } else this.fail(planCodes.copyUnreadable, `"${this.rel(path)}" in COPY source is not a file, directory or symlink`, span);
    }
  }
}

/**
 * One path component of a COPY pattern as a regular expression, with Go's filepath.Match rules
 * (as Docker uses): `*`, `?`, `[…]` with `^` or `!` negation and ranges, `\\` escaping the next
 * character. Undefined when the pattern is not valid (an unclosed `[`, a range like `z-a`).
 */
export function globComponent(pattern: string): RegExp | undefined {
  const escape = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      out += escape(pattern[++i] as string);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^' || pattern[j] === '!') {
        cls += '^';
        j++;
      }
      let closed = false;
      for (let first = true; j < pattern.length; j++, first = false) {
        let lo = pattern[j] as string;
        if (lo === ']' && !first) {
          closed = true;
          break;
        }
        if (lo === '\\') lo = pattern[++j] ?? '';
        if (lo === '') return undefined;
        if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
          let hi = pattern[j + 2] as string;
          j += 2;
          if (hi === '\\') hi = pattern[++j] ?? '';
          if (hi === '' || hi < lo) return undefined;
          cls += `${escape(lo)}-${escape(hi)}`;
        } else cls += escape(lo);
      }
      if (!closed || cls === '' || cls === '^') return undefined;
      out += `[${cls}]`;
      i = j;
    } else out += escape(c);
  }
  return new RegExp(out + '$');
}
