/** Diagnostic codes for planning (CUBE2xxx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The planning codes. */
export const planCodes = {
  envdNotFound: { code: 'CUBE2001', severity: 'error', summary: 'The envd binary to inject does not exist.', hint: 'pass --envd-path PATH, set INJECT envd PATH in the build file, or set $CUBE_ENVD_PATH', messages: {} },
  envdNotRegular: { code: 'CUBE2002', severity: 'error', summary: 'The envd path names something other than a regular file.', hint: 'point it at the envd binary itself', messages: {} },
  envdUnreadable: { code: 'CUBE2003', severity: 'error', summary: 'The envd binary cannot be read.', hint: 'check its permissions for the user running cube', messages: {} },
  copySourceMissing: { code: 'CUBE2004', severity: 'error', summary: 'A COPY source does not exist in the build context (or every match is excluded by .cubeignore).', hint: 'check the path (relative to the build file\'s directory) and .cubeignore', messages: {} },
  copyOutsideContext: { code: 'CUBE2005', severity: 'error', summary: 'A COPY source lies outside the build context.', hint: 'move the file into the build file\'s directory tree; COPY cannot reach above it', messages: {} },
  lockMismatch: { code: 'CUBE2006', severity: 'error', summary: 'With --locked, an image reference resolved to a different digest than Cubefile.lock records.', hint: 'run with --refresh to record the new digest in Cubefile.lock, and commit it (a build without --locked keeps using the pinned digest)', messages: {} },
  lockMissing: { code: 'CUBE2007', severity: 'error', summary: 'With --locked, an image reference has no entry in Cubefile.lock.', hint: 'run once without --locked to record it, and commit Cubefile.lock', messages: {} },
  badPlanFile: { code: 'CUBE2008', severity: 'error', summary: 'A plan file cannot be read or is not a cube plan.', hint: 'pass a plan.json written by cube build or cube plan --json', messages: {} },
  badLockfile: { code: 'CUBE2009', severity: 'error', summary: 'Cubefile.lock is not valid.', hint: 'delete it and run again to re-create it, or fix the JSON', messages: {} },
  copyUnreadable: { code: 'CUBE2010', severity: 'error', summary: 'A COPY source cannot be read, or is not a file, directory or symlink.', hint: 'check its permissions; sockets, fifos and devices cannot be copied', messages: {} },
  noLastPlan: { code: 'CUBE2011', severity: 'error', summary: '`--against last` found no earlier build of this file.', hint: 'run cube build once, or name the old plan file', messages: {} },
  platformMismatch: { code: 'CUBE2012', severity: 'warning', summary: 'The base image is built for another platform than the host\'s, and no platform was asked for.', hint: 'pass --platform (or FROM --platform=…) to say which platform the template is for', messages: {} },
  platformRefused: { code: 'CUBE2013', severity: 'error', summary: 'The base image is built for another platform than the one asked for with --platform.', hint: 'pick an image (or an index) that has the platform, or change --platform', messages: {} },
  badIgnorePattern: { code: 'CUBE2014', severity: 'error', summary: 'A .cubeignore line is not a valid pattern.', hint: 'close the [ … ] or order its range (a-z, not z-a), escape a literal [ as \\[, or remove the line', messages: {} },
  badCopyPattern: { code: 'CUBE2015', severity: 'error', summary: 'A COPY source is not a valid pattern.', hint: 'close the [ … ] or order its range (a-z, not z-a), or escape a literal [ as \\[', messages: {} },
  envdEmpty: { code: 'CUBE2016', severity: 'error', summary: 'The envd binary to inject is empty.', hint: 'point it at a built envd binary', messages: {} },
  envdNotElf: { code: 'CUBE2017', severity: 'error', summary: 'The envd binary to inject is not an ELF executable (a script, an archive, a binary for another system).', hint: 'point it at the Linux envd binary itself, not a wrapper script or an archive', messages: {} },
  envdWrongPlatform: { code: 'CUBE2018', severity: 'error', summary: 'The envd binary is built for another architecture than the image.', hint: 'use the envd built for the image\'s architecture (GOARCH), or pick an image for envd\'s', messages: {} },
  envdTooLarge: { code: 'CUBE2019', severity: 'error', summary: 'The envd binary is larger than the limit (16 MiB unless --envd-max-size raises it), as CubeSandbox refuses such payloads.', hint: 'check that it is envd (a stripped build is about 10–15 MiB), or raise the limit with --envd-max-size', messages: {} },
  envdWithoutInject: { code: 'CUBE2020', severity: 'error', summary: 'An envd binary was given (--envd-path or $CUBE_ENVD_PATH), but the build file injects none.', hint: 'add INJECT envd (and ENTRYPOINT wrap) to the build file, or drop --envd-path / unset $CUBE_ENVD_PATH', messages: {} },
  envdNotOnPath: { code: 'CUBE2021', severity: 'warning', summary: 'envd is injected into a directory that is not on the image\'s PATH, so `envd -version` (the platform\'s capability probe) does not find it.', hint: 'inject it on the PATH (the default TO is /usr/local/bin/envd), or add its directory to PATH with ENV', messages: {} },
} as const satisfies Record<string, CatalogEntry>;
