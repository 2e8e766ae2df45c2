/**
 * TreeWriter decorators used while sealing. {@link IndexingWriter} keeps a {@link FlattenedIndex} in step with what it forwards, so the checks
 * that run after COPY and INJECT (wrap checks, `--chown` names, WORKDIR) see the final tree, not
 * just the layers'. {@link countingWriter} reports progress.
 */
import type { EntryMeta, TreeWriter } from '../../core/tree-writer.js';
import type { FlattenedIndex, IndexInode } from '../flatten/index.js';

/** Layer number recorded for entries that did not come from an image layer. */
const BUILD_STEP_LAYER = -2;

/** Forwards every call to `inner` and mirrors the tree changes into `index`. */
export class IndexingWriter<CloseResult> implements TreeWriter<CloseResult> {
  readonly #inner: TreeWriter<CloseResult>;
  readonly #index: FlattenedIndex;
  #position = 0;

  constructor(inner: TreeWriter<CloseResult>, index: FlattenedIndex) {
    this.#inner = inner;
    this.#index = index;
  }

  async create(path: string, meta: EntryMeta): Promise<void> {
    await this.#inner.create(path, meta);
    const position = this.#position++;
    if (path !== '/') this.#index.addImplicitParents(path, BUILD_STEP_LAYER, position);
    this.#index.put(path, { meta, layer: BUILD_STEP_LAYER, position, explicit: true });
  }

  write(data: Uint8Array): Promise<void> {
    return this.#inner.write(data);
  }

  async link(target: string, path: string): Promise<void> {
    await this.#inner.link(target, path);
    const inode = this.#index.get(target) as IndexInode;
    this.#index.addImplicitParents(path, BUILD_STEP_LAYER, this.#position++);
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
