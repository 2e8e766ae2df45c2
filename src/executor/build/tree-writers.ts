/**
 * TreeWriter decorators used while sealing. {@link IndexingWriter} keeps a {@link FlattenedIndex} in step with what it forwards, so the checks
 * that run after COPY and INJECT (wrap checks, `--chown` names, WORKDIR) see the final tree, not
 * just the layers'; and it remembers which build step made each entry, for origins.json.
 * {@link countingWriter} reports progress.
 */
import type { EntryMeta, TreeWriter } from '../../core/tree-writer.js';
import type { FlattenedIndex, IndexInode } from '../flatten/index.js';

/** Layer number recorded for entries that did not come from an image layer. */
const BUILD_STEP_LAYER = -2;

/** A build step that writes into the tree after the layers: envd's injection, or step `n` of the build file (COPY, WORKDIR). */
export type BuildStepOrigin = 'envd' | number;

/** Forwards every call to `inner` and mirrors the tree changes into `index`. */
export class IndexingWriter<CloseResult> implements TreeWriter<CloseResult> {
  readonly #inner: TreeWriter<CloseResult>;
  readonly #index: FlattenedIndex;
  #position = 0;
  #step: BuildStepOrigin | undefined;
  /** The step that made each inode this writer put in the index (missing parents included). */
  readonly #origins = new Map<IndexInode, BuildStepOrigin>();

  constructor(inner: TreeWriter<CloseResult>, index: FlattenedIndex) {
    this.#inner = inner;
    this.#index = index;
  }

  /** Entries made from now on come from `step`. */
  beginStep(step: BuildStepOrigin): void {
    this.#step = step;
  }

  /** The build step that made `inode`, or undefined for an inode from a layer. */
  originOf(inode: IndexInode): BuildStepOrigin | undefined {
    return this.#origins.get(inode);
  }

  async create(path: string, meta: EntryMeta): Promise<void> {
    await this.#inner.create(path, meta);
    const position = this.#position++;
    if (path !== '/') this.#addParents(path, position);
    const inode: IndexInode = { meta, layer: BUILD_STEP_LAYER, position, explicit: true };
    this.#index.put(path, inode);
    this.#record(inode);
  }

  /** Adds the missing parents of `path`, each recorded as made by the current step. */
  #addParents(path: string, position: number): void {
    for (const parent of this.#index.addImplicitParents(path, BUILD_STEP_LAYER, position)) this.#record(this.#index.get(parent));
  }

  #record(inode: IndexInode | undefined): void {
    if (inode && this.#step !== undefined) this.#origins.set(inode, this.#step);
  }

  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  async link(target: string, path: string): Promise<void> {
    await this.#inner.link(target, path);
    const inode = this.#index.get(target) as IndexInode;
    this.#addParents(path, this.#position++);
    this.#index.put(path, inode);
  }

  async remove(path: string): Promise<void> {
    await this.#inner.remove(path);
    this.#index.removeTree(path);
  }

  close(): Promise<CloseResult> {
    return this.#inner.close();
  }

  abort(): Promise<void> {
    return this.#inner.abort();
  }
}

/** Forwards every call to `inner`, calling `onData` with the size of each chunk of file data. */
export function countingWriter<CloseResult>(inner: TreeWriter<CloseResult>, onData: (bytes: number) => void): TreeWriter<CloseResult> {
  return {
    create: (path, meta) => inner.create(path, meta),
    write: async (data) => {
      await inner.write(data);
      onData(data.byteLength);
    },
    link: (target, path) => inner.link(target, path),
    remove: (path) => inner.remove(path),
    close: () => inner.close(),
    abort: () => inner.abort(),
  };
}
