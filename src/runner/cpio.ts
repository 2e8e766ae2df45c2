/**
 * A writer for the cpio "newc" format (SVR4 with no CRC), the one format the kernel unpacks as an
 * initramfs. Each entry is a 110-byte ASCII header (magic `070701` and thirteen 8-digit hex
 * fields), the NUL-terminated name, then the data; name and data are each padded to 4 bytes, and
 * the archive ends with the entry `TRAILER!!!`. Entries get inode numbers in the order they are
 * added and a fixed time, so the same entries give the same bytes.
 */

/** File-type bits of `st_mode`, as cpio stores them beside the permissions. */
const TYPE_BITS = { directory: 0o040000, file: 0o100000, symlink: 0o120000, characterDevice: 0o020000 } as const;

const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';
/** Archives are padded to whole 512-byte blocks, as `cpio -o` does. */
const BLOCK = 512;

/** The fields of one entry that cube sets; the rest are zero. */
interface Entry {
  readonly name: string;
  readonly mode: number;
  readonly data: Uint8Array;
  readonly nlink: number;
  readonly device?: { readonly major: number; readonly minor: number };
}

/** Collects entries in memory and returns the archive; an initramfs is a few megabytes. */
export class CpioWriter {
  private readonly parts: Buffer[] = [];
  private nextInode = 1;
  private closed = false;

  /** Adds a directory (`name` has no leading slash, as `find . | cpio -o` writes it without `./`). */
  directory(name: string, permissions = 0o755): this {
    return this.add({ name, mode: TYPE_BITS.directory | permissions, data: new Uint8Array(0), nlink: 2 });
  }

  /** Adds a regular file with its whole content. */
  file(name: string, data: Uint8Array, permissions = 0o644): this {
    return this.add({ name, mode: TYPE_BITS.file | permissions, data, nlink: 1 });
  }

  /** Adds a symbolic link; cpio stores the target as the entry's data. */
  symlink(name: string, target: string): this {
    return this.add({ name, mode: TYPE_BITS.symlink | 0o777, data: Buffer.from(target), nlink: 1 });
  }

  /** Adds a character device node (`dev/console` must exist before the kernel starts init). */
  characterDevice(name: string, major: number, minor: number, permissions = 0o600): this {
    return this.add({ name, mode: TYPE_BITS.characterDevice | permissions, data: new Uint8Array(0), nlink: 1, device: { major, minor } });
  }

  /** Writes the trailer and returns the archive. The writer cannot be used afterwards. */
  finish(): Buffer {
    this.add({ name: TRAILER, mode: 0, data: new Uint8Array(0), nlink: 1 }, 0);
    this.closed = true;
    const archive = Buffer.concat(this.parts);
    return Buffer.concat([archive, Buffer.alloc(padding(archive.length, BLOCK))]);
  }

  private add(entry: Entry, inode = this.nextInode++): this {
    if (this.closed) throw new Error('cpio: entry added after finish()');
    if (entry.name.startsWith('/') || entry.name === '') throw new Error(`cpio: entry name must be relative: "${entry.name}"`);
    const name = Buffer.from(`${entry.name}\0`);
    const fields = [inode, entry.mode, 0, 0, entry.nlink, 0, entry.data.length, 0, 0, entry.device?.major ?? 0, entry.device?.minor ?? 0, name.length, 0];
    const header = Buffer.from(MAGIC + fields.map(hex8).join(''), 'ascii');
    this.parts.push(header, name, Buffer.alloc(padding(header.length + name.length, 4)));
    this.parts.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length), Buffer.alloc(padding(entry.data.length, 4)));
    return this;
  }
}

/** One header field: eight hex digits. */
function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`cpio: field out of range: ${value}`);
  return value.toString(16).padStart(8, '0');
}

/** Bytes needed to bring `length` up to a multiple of `unit`. */
function padding(length: number, unit: number): number {
  return (unit - (length % unit)) % unit;
}
