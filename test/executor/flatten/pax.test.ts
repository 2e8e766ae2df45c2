/** Binary xattrs and ACLs from pax records survive flattening byte for byte. */
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import { aclXattr } from '../../../src/executor/flatten/tar-entry.js';
import { memoryLayer } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';
import { paxRecord, tarWithPax } from '../../helpers/raw-tar.js';

describe('pax extended attributes', () => {
  it('keeps a security.capability value that is not valid UTF-8, and converts ACL text', async () => {
    // CAP_SETUID (bit 7) and CAP_NET_RAW (bit 13) permitted: the first capability byte is 0x80.
    const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const tar = tarWithPax('usr/bin/tool', Buffer.from('ELF'), [
      paxRecord('SCHILY.xattr.security.capability', capability),
      paxRecord('SCHILY.xattr.user.note', Buffer.from('héllo', 'utf8')),
      paxRecord('SCHILY.acl.access', Buffer.from('user::rwx,user:1000:r-x,group::r-x,mask::r-x,other::---')),
    ]);
    const tree = new MemoryTree();
    await flattenLayers([memoryLayer(tar)], tree);
    const xattrs = tree.entries.get('/usr/bin/tool')?.meta.xattrs;
    expect(Buffer.from(xattrs?.get('security.capability') ?? []).equals(capability)).toBe(true);
    expect(Buffer.from(xattrs?.get('user.note') ?? []).toString('utf8')).toBe('héllo');
    // VFS ACL format: version 2, then (tag, perm, id) for USER_OBJ, USER 1000, GROUP_OBJ, MASK, OTHER.
    const expected = ['02000000', '01000700ffffffff', '02000500e8030000', '04000500ffffffff', '10000500ffffffff', '20000000ffffffff'].join('');
    expect(Buffer.from(xattrs?.get('system.posix_acl_access') ?? []).toString('hex')).toBe(expected);
  });

  it('warns, naming the layer and entry, when it drops an ACL that names users only by name', async () => {
    const tar = tarWithPax('srv/shared', Buffer.from('x'), [paxRecord('SCHILY.acl.access', Buffer.from('user::rw-,user:alice:r--,group::r--,mask::r--,other::---'))]);
    const warnings: string[] = [];
    const tree = new MemoryTree();
    const layer = memoryLayer(tar);
    await flattenLayers([layer], tree, { warn: (message) => warnings.push(message) });
    expect(tree.entries.get('/srv/shared')?.meta.xattrs).toBeUndefined();
    expect(warnings).toEqual([
      `layer ${layer.digest}: entry "srv/shared": its SCHILY.acl.access names users or groups only by name, which ext4 cannot store; the ACL was dropped (its mode bits are kept)`,
    ]);
  });

  it.each([
    ['an ACL id over 32 bits', paxRecord('SCHILY.acl.access', Buffer.from('user::rw-,user:4294967296:r--,group::r--,mask::r--,other::---')), 'has a SCHILY.acl.access entry naming id 4294967296, which is not a 32-bit id'],
    ['an attribute name with a bad %-escape', paxRecord('LIBARCHIVE.xattr.user.%E0%A4%A', Buffer.from('dmFsdWU=')), 'has an extended attribute record "LIBARCHIVE.xattr.user.%E0%A4%A" whose name is not valid %-encoding'],
  ])('refuses an entry with %s, naming the layer and the entry, instead of crashing', async (_what, record, text) => {
    const layer = memoryLayer(tarWithPax('srv/file', Buffer.from('x'), [record]));
    const failure = await flattenLayers([layer], new MemoryTree()).then(
      () => undefined,
      (error: unknown) => (error instanceof DiagnosticError ? error.diagnostics[0] : error),
    );
    expect(failure).toMatchObject({ code: 'CUBE3205' });
    expect((failure as { message: string }).message).toContain(`entry "srv/file" ${text}`);
  });

  it('drops an ACL that names users only by name', () => {
    expect(aclXattr('user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---')).toBeUndefined();
    expect(aclXattr('user::rwx,user:alice:r-x:1000,group::r-x,mask::r-x,other::---')).toBeDefined();
  });
});
