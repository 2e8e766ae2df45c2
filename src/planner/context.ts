/**
 * COPY sources from the build context, hashed by content, mode and name (never mtime):
 * paths relative to the context (patterns as Go's filepath.Glob reads them, see path-pattern.ts), never outside it, `.cubeignore`
 * (dockerignore syntax) honoured, and symlinks as Docker treats them: a symlink named as a
 * source is followed, symlinks inside a copied directory are copied as symlinks. Names are bytes:
 * directories are listed and symlinks read as bytes, kept in cube's name form (core/names.ts),
 * and every path is handed back to the filesystem through `fsPath`.
 */
import { lstat, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import ignoreModule from '@balena/dockerignore';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { CatalogEntry, MessageValues, Span } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { fsPath, nameFromBytes, readNames } from '../core/names.js';
import type { CopyEntry, CopySource } from '../core/host-inputs.js';
import type { SpanTable } from '../core/build-spec.js';
import type { HostFileHasher } from './host-files.js';
import { compilePattern, hasWildcards } from './path-pattern.js';
import type { CompiledPattern } from './path-pattern.js';

type Ignore = { ignores(path: string): boolean };
const createIgnore = ignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore & { add(patterns: string[]): Ignore };

/** Where each source of COPY step `step` is written (the step itself where a source has no span of its own). */
export function copySourceSpans(spans: SpanTable, step: number, count: number): (Span | undefined)[] {
  return Array.from({ length: count }, (_, k) => spans.get(`/steps/${step}/sources/${k}`) ?? spans.get(`/steps/${step}`));
}

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
          throw new DiagnosticError(createDiagnostic(planCodes.badIgnorePattern, 'invalid', { pattern }, { span }), new Map([['.cubeignore', text]]));
        }
        patterns.push(pattern);
      }
      offset += line.length + 1;
    }
    // cube's own output and state (`.cube/out/<name>` by default) never go into an image: copying
    // them would put the last build into the next one and change its hash every time.
    return new BuildContext(root, await realpath(root), createIgnore({ ignorecase: false }).add([`/${OWN_DIRECTORY}`, ...patterns]), hasher);
  }

  /** Resolves and hashes the sources of one COPY; `spans[i]` is where source `i` is written. */
  async sources(written: readonly string[], spans: readonly (Span | undefined)[]): Promise<CopySource[]> {
    const out: CopySource[] = [];
    for (const [i, source] of written.entries()) {
      const matches = await this.expand(source, spans[i]);
      for (const path of matches) out.push(await this.source(path, source, spans[i]));
    }
    return out;
  }

  fail<E extends CatalogEntry, K extends keyof E['messages'] & string>(entry: E, message: K, values: MessageValues<E['messages'][K]>, span: Span | undefined): never {
    throw new DiagnosticError(createDiagnostic(entry, message, values, span ? { span } : {}));
  }

  /** Context-relative `/` path of an absolute path. */
  rel(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  async expand(source: string, span: Span | undefined): Promise<string[]> {
    const cleaned = source.replace(/^\/+/, '') || '.';
    const lexical = resolve(this.root, cleaned);
    if (lexical !== this.root && !lexical.startsWith(this.root + sep)) {
      this.fail(planCodes.copyOutsideContext, 'outside', { source, context: this.root }, span);
    }
    if (!hasWildcards(cleaned)) {
      const rel = this.rel(lexical);
      if (rel !== '' && this.ignore.ignores(rel)) this.fail(planCodes.copySourceMissing, rel === OWN_DIRECTORY || rel.startsWith(`${OWN_DIRECTORY}/`) ? 'ownOutput' : 'ignored', { source }, span);
      return [lexical];
    }
    // Each directory level is matched on its own, as Go's filepath.Glob does, and every one is
    // compiled before any directory is read: a bad pattern is reported whatever they hold.
    const parts = cleaned.split('/').filter((p) => p !== '' && p !== '.').map((part) => {
      if (!hasWildcards(part)) return part.replace(/\\(.)/g, '$1');
      const compiled = compilePattern(part);
      if ('problem' in compiled) throw new DiagnosticError(createDiagnostic(planCodes.badCopyPattern, compiled.problem, { source }, span ? { span } : {}));
      return compiled;
    });
    const matches = (await this.glob(parts, this.root)).filter((p) => !this.ignore.ignores(this.rel(p)));
    if (matches.length === 0) this.fail(planCodes.copySourceMissing, 'noMatch', { source }, span);
    return matches.sort();
  }

  /** The paths below `dir` matching `parts`: literal names, or compiled pattern components. */
  async glob(parts: readonly (string | CompiledPattern)[], dir: string): Promise<string[]> {
    const [head, ...rest] = parts;
    if (head === undefined) return [dir];
    this.hasher.listed(dir);
    if (typeof head === 'string') {
      // A plain level names one entry of the directory (each directory a pattern matched), if it is there.
      const exists = await lstat(fsPath(join(dir, head))).then(() => true, () => false);
      return exists ? this.glob(rest, join(dir, head)) : [];
    }
    const names = await readNames(dir).catch(() => [] as string[]);
    const out: string[] = [];
    for (const name of names.sort()) if ('matches' in head && head.matches(name)) out.push(...(await this.glob(rest, join(dir, name))));
    return out;
  }

  async source(path: string, written: string, span: Span | undefined): Promise<CopySource> {
    let info;
    try {
      info = await stat(fsPath(path), { bigint: true });
    } catch {
      return this.fail(planCodes.copySourceMissing, 'missing', { source: written, context: this.root }, span);
    }
    const real = nameFromBytes(await realpath(fsPath(path), { encoding: 'buffer' }));
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
      this.fail(planCodes.copyOutsideContext, 'symlink', { source: written, target: real }, span);
    }
    const name = basename(path);
    if (info.isFile()) {
      const digest = await this.hasher.digest(path, info);
      return { name, isDir: false, entries: [{ type: 'file', relative: '', hostPath: path, digest, size: Number(info.size), mode: Number(info.mode) & 0o7777 }] };
    }
    if (!info.isDirectory()) this.fail(planCodes.copyUnreadable, 'notFile', { source: written }, span);
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
      } else this.fail(planCodes.copyUnreadable, 'inside', { path: this.rel(path) }, span);
    }
  }
}
