/** Diagnostic codes for build execution (CUBE32xx and up). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The build execution (CUBE32xx and up) codes. */
export const buildCodes = {
  layerPathEscape: {
    code: 'CUBE3201',
    severity: 'error',
    summary: 'A layer entry path climbs out of the root filesystem with `..`.',
    hint: 'the image is malformed or hostile; rebuild it with a trusted tool or pick another base image',
  },
  layerAbsolutePath: {
    code: 'CUBE3202',
    severity: 'error',
    summary: 'A layer entry has an absolute path.',
    hint: 'layer tars must use relative paths; rebuild the image with a standard tool (docker, buildah, umoci)',
  },
  layerHardlinkTarget: {
    code: 'CUBE3203',
    severity: 'error',
    summary: 'A layer hard link points outside the tree, at a missing or whited-out file, or at a directory.',
    hint: 'the image is malformed or hostile; rebuild it with a trusted tool or pick another base image',
  },
  layerEntryTooLarge: {
    code: 'CUBE3204',
    severity: 'error',
    summary: 'A layer entry is larger than the configured size limit.',
    hint: 'raise the per-entry size limit if the file is expected, otherwise pick another base image',
  },
  layerUnsupportedEntry: {
    code: 'CUBE3205',
    severity: 'error',
    summary: 'A layer contains an entry type cube cannot reproduce (an old GNU sparse form, or an unknown record).',
    hint: 'rebuild the image with a standard tool; GNU sparse files must use the pax 1.0 form (tar --format=posix)',
  },
  layerParentNotDirectory: {
    code: 'CUBE3206',
    severity: 'error',
    summary: 'A layer entry lies below a path that is a symlink or a non-directory.',
    hint: 'the image is malformed or hostile (writing through a symlink); pick another base image',
  },
  layerChanged: {
    code: 'CUBE3207',
    severity: 'error',
    summary: 'A layer read a second time did not contain the same entries as the first time.',
    hint: 'the layer cache may be corrupt; clear it and build again',
  },
  wrapNoShell: {
    code: 'CUBE3210',
    severity: 'error',
    summary: 'ENTRYPOINT wrap needs /bin/sh in the image, and the flattened tree has none.',
    hint: 'use a base image that ships /bin/sh, or drop `ENTRYPOINT wrap` and start envd yourself',
  },
  workloadNotFound: {
    code: 'CUBE3211',
    severity: 'error',
    summary: 'The workload executable does not resolve in the image (absolute path or the image PATH).',
    hint: 'fix ENTRYPOINT/CMD to name an executable present in the image, or set PATH with ENV',
  },
  unknownUser: {
    code: 'CUBE3212',
    severity: 'error',
    summary: 'A user name is not in the image\'s /etc/passwd.',
    hint: 'use a numeric uid, or create the user in the base image',
  },
  unknownGroup: {
    code: 'CUBE3213',
    severity: 'error',
    summary: 'A group name is not in the image\'s /etc/group.',
    hint: 'use a numeric gid, or create the group in the base image',
  },
  hostFileChanged: {
    code: 'CUBE3220',
    severity: 'error',
    summary: 'A host file (envd or a COPY source) changed between planning and building.',
    hint: 'something modified the file during the build; run the build again once it is stable',
  },
  hostFileUnreadable: {
    code: 'CUBE3221',
    severity: 'error',
    summary: 'A host file (envd or a COPY source) could not be read at build time.',
    hint: 'check that the file exists and is readable by the user running cube',
  },
  workdirNotDirectory: {
    code: 'CUBE3222',
    severity: 'error',
    summary: 'WORKDIR names a path that exists in the image but is not a directory.',
    hint: 'choose another WORKDIR, or remove the file in the base image',
  },
  emptyProcess: {
    code: 'CUBE3214',
    severity: 'error',
    summary: 'Neither the image nor the build file gives a command to run, and the entrypoint is not wrapped.',
    hint: 'add CMD or ENTRYPOINT, or use `ENTRYPOINT wrap` (an empty wrapped command keeps the sandbox alive)',
  },
  tooManyEntries: {
    code: 'CUBE3216',
    severity: 'error',
    summary: 'The image\'s layers hold more entries than the limit (200,000 unless --max-entries sets it).',
    hint: 'if the image really is that large, raise the limit with --max-entries; otherwise pick another base image',
  },
  layerTooLarge: {
    code: 'CUBE3217',
    severity: 'error',
    summary: 'A layer expands to more bytes than the limit (64 times its compressed size plus 1 GiB unless --max-layer-bytes sets it), as a compression bomb does.',
    hint: 'if the layer really holds that much, raise the limit with --max-layer-bytes; otherwise pick another base image',
  },
  imageTooLarge: {
    code: 'CUBE3218',
    severity: 'error',
    summary: 'The layers together expand to more bytes than the limit (64 times their compressed size plus 1 GiB unless --max-image-bytes sets it).',
    hint: 'if the image really holds that much, raise the limit with --max-image-bytes; otherwise pick another base image',
  },
  layerPathTooDeep: {
    code: 'CUBE3219',
    severity: 'error',
    summary: 'A layer entry\'s path has more components than the limit (256 unless --max-path-depth sets it).',
    hint: 'if the image really nests that deep, raise the limit with --max-path-depth; otherwise pick another base image',
  },
  layerCacheCorrupt: {
    code: 'CUBE3208',
    severity: 'error',
    summary: 'An uncompressed layer kept in the cache no longer matches its digest.',
    hint: 'the bad copy has been removed; run the build again to decompress the layer afresh',
  },
  layerNotTar: {
    code: 'CUBE3215',
    severity: 'error',
    summary: 'A layer is not a valid tar archive: corrupt, truncated, or compressed in a way its media type does not say.',
    hint: 'the image is damaged; pull or export it again, or pick another base image',
  },
  outputNotWritable: {
    code: 'CUBE3230',
    severity: 'error',
    summary: 'The output directory or the cache directory cannot be written.',
    hint: 'pass a writable --out directory, or set CUBE_CACHE_DIR to a writable place',
  },
  envdInterpreterMissing: {
    code: 'CUBE3231',
    severity: 'error',
    summary: 'envd is dynamically linked, and the image lacks its program interpreter (the dynamic loader), so it cannot start.',
    hint: 'use a statically linked envd (CGO_ENABLED=0), or a base image with that loader',
  },
  noUserSwitch: {
    code: 'CUBE3232',
    severity: 'error',
    summary: 'The workload must run as another user than envd (root), and cube cannot switch users on this architecture.',
    hint: 'build for linux/amd64 or linux/arm64, or run the workload as root (no USER)',
  },
} as const satisfies Record<string, CatalogEntry>;
