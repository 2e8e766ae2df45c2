/** Iterates the members of one uncompressed layer tar with tar-stream. */
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import './pax.js';

/** A tar member header after tar-stream merged pax and GNU long-name/long-link records. */
export interface TarHeader {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date | undefined;
  readonly type: string | null | undefined;
  readonly linkname: string | null | undefined;
  readonly uid: number;
  readonly gid: number;
  readonly devmajor: number;
  readonly devminor: number;
  readonly pax: Readonly<Record<string, string>> | null | undefined;
}

/** One tar member: its merged header and its data stream. */
export interface LayerMember {
  readonly header: TarHeader;
  readonly data: AsyncIterable<Buffer> & { resume(): unknown };
}

/** Yields every member of `tar` in order. The caller must consume or drain `data` before the next. */
export async function* readLayerMembers(tar: Readable): AsyncGenerator<LayerMember> {
  const ex = extract();
  tar.on('error', (err) => ex.destroy(err));
  tar.pipe(ex);
  for await (const entry of ex) {
    yield { header: entry.header as unknown as TarHeader, data: entry as unknown as LayerMember['data'] };
  }
}
