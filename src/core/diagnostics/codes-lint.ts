/**
 * Diagnostic codes for the build file's checks (CUBE12xx): what parses and builds, but would
 * build a sandbox that misbehaves, leaks or drifts. Each has a rule name (Docker's where Docker
 * has the same check) that `# check=skip=`, `--skip` and `--strict` use. They are warnings
 * unless the build file says `# check=error=true` or the command line `--strict`. Codes are
 * stable: never renumber or reuse one.
 */
import type { CatalogEntry } from './catalog-entry.js';

/** The build file check (CUBE12xx) codes. */
export const lintCodes = {
  malformedJsonArgs: {
    code: 'CUBE1201',
    severity: 'warning',
    summary: 'CMD, ENTRYPOINT or COPY looks like a JSON array but is not valid JSON, so it is read as a shell command or as plain words.',
    hint: 'quote every element with double quotes: CMD ["python3", "app.py"]',
    rule: 'MalformedJSONArgs',
    messages: {
      command: { text: '{keyword} {command} is not valid JSON, so it runs as the shell command /bin/sh -c {quoted}', hint: 'quote every element with double quotes: {keyword} {fixed}' },
      copy: { text: 'COPY {written} is not valid JSON, so its words are taken as file names, brackets and commas included', hint: 'quote every element with double quotes: COPY {fixed}' },
    },
  },
  jsonArgsRecommended: {
    code: 'CUBE1202',
    severity: 'warning',
    summary: 'CMD or ENTRYPOINT in shell form: the workload runs under /bin/sh -c and may not receive the sandbox\'s signals.',
    hint: 'use the exec form, CMD ["executable", "arg"]; if you need a shell, write CMD ["/bin/sh", "-c", "…"] and exec the last command',
    rule: 'JSONArgsRecommended',
    messages: { shellForm: '{keyword} in shell form runs as /bin/sh -c "…": the workload is the shell\'s child and may not receive SIGTERM when the sandbox stops' },
  },
  envdPortConflict: {
    code: 'CUBE1203',
    severity: 'warning',
    summary: 'The workload exposes or uses the port envd listens on (49983, or INJECT envd PORT).',
    hint: 'give the workload another port, or move envd with INJECT envd PORT n',
    rule: 'EnvdPortConflict',
    messages: {
      expose: 'EXPOSE {port}/{protocol} is {whose}: the workload cannot listen there beside envd',
      env: 'ENV {name}={value} gives the workload {whose}',
      command: '{keyword} uses {whose}',
    },
  },
  secretName: {
    code: 'CUBE1204',
    severity: 'warning',
    summary: 'An ARG or ENV name looks like a secret: ENV values are written into launch.json and plan.json, and ARG defaults sit in the build file.',
    hint: 'give secrets to the sandbox when it starts, not in the template',
    rule: 'SecretsUsedInArgOrEnv',
    messages: {
      argDefault: 'ARG {name} looks like it holds a secret, and its default is written in the build file',
      arg: 'ARG {name} looks like it holds a secret; wherever it is used, its value is written into launch.json or plan.json',
      env: 'ENV {name} looks like it holds a secret: its value is written into launch.json and plan.json',
    },
  },
  imageNoTag: {
    code: 'CUBE1205',
    severity: 'warning',
    summary: 'A registry base image has neither a tag nor a digest, so it means :latest and changes when the registry\'s does.',
    hint: 'name the version, and pin it with a digest: FROM python:3.12-slim@sha256:…',
    rule: 'BaseImageNoTag',
    messages: { noTag: 'FROM {written} names no tag or digest, so it is {name}:latest, whatever that is on the day of the build' },
  },
  imageLatestTag: {
    code: 'CUBE1206',
    severity: 'warning',
    summary: 'The base image is the :latest tag, which changes when the registry\'s does.',
    hint: 'name the version, and pin it with a digest: FROM python:3.12-slim@sha256:…',
    rule: 'BaseImageLatestTag',
    messages: { latest: 'FROM {written} is {name}:latest, whatever that is on the day of the build' },
  },
  legacyKeyValue: {
    code: 'CUBE1207',
    severity: 'warning',
    summary: 'ENV or LABEL in the legacy `NAME value` form, which takes the whole rest of the line as one value.',
    hint: 'write NAME=value (quote a value with spaces: NAME="a b")',
    rule: 'LegacyKeyValueFormat',
    messages: { legacy: { text: '{keyword} {name} {value} is the legacy form: everything after the name is one value', hint: 'write {keyword} {name}={shown}' } },
  },
  keywordCasing: {
    code: 'CUBE1208',
    severity: 'warning',
    summary: 'Instruction keywords are not written in one case.',
    hint: 'write every keyword in the case most of the file uses (upper case is usual)',
    rule: 'ConsistentInstructionCasing',
    messages: { casing: { text: '"{keyword}" is not in the {majority} case most of this file\'s keywords are in', hint: 'write {wanted}' } },
  },
  copyWholeContext: {
    code: 'CUBE1209',
    severity: 'warning',
    summary: 'COPY copies the whole build context, and there is no .cubeignore: the build file, Cubefile.lock, .git and any envd binary beside them go into the image.',
    hint: 'add a .cubeignore (dockerignore syntax) that excludes what the sandbox does not need, or copy only the directories it needs',
    rule: 'CopyAllWithoutIgnore',
    messages: { wholeContext: 'COPY {sources} copies the whole build context (the build file\'s directory), and it has no .cubeignore' },
  },
  ambiguousSizeUnit: {
    code: 'CUBE1210',
    severity: 'warning',
    summary: 'A size unit is ambiguous: a single letter (64m, 64M, a power of 1024) or a unit in another case than KiB/MiB/GiB/TiB or KB/MB/GB/TB (64mb is 64,000,000 bytes).',
    hint: 'write KiB, MiB, GiB or TiB for powers of 1024, KB, MB, GB or TB for powers of 1000',
    rule: 'AmbiguousSizeUnit',
    messages: { unit: { text: 'SEAL {what} {size} is read as {number}{unit} ({bytes} bytes), but the unit does not say so', hint: 'write {number}{unit} for {bytes} bytes, or {number}{other} if you meant powers of {otherBase}' } },
  },
  workdirRelative: {
    code: 'CUBE1211',
    severity: 'warning',
    summary: 'A WORKDIR is a relative path, so its meaning depends on every WORKDIR before it.',
    hint: 'write the absolute path',
    rule: 'WorkdirRelativePath',
    messages: { relative: { text: 'WORKDIR {path} is relative; here it means {absolute}', hint: 'write WORKDIR {absolute}' } },
  },
  exposeProtoCasing: {
    code: 'CUBE1212',
    severity: 'warning',
    summary: 'An EXPOSE protocol is not written in lower case.',
    hint: 'write tcp or udp: EXPOSE 53/udp',
    rule: 'ExposeProtoCasing',
    messages: { casing: { text: 'EXPOSE {port}: the protocol is written in upper or mixed case', hint: 'write {lower}' } },
  },
  copyDestinationSlash: {
    code: 'CUBE1213',
    severity: 'warning',
    summary: 'COPY with several sources (or a pattern) names a destination without a trailing /, though it can only be a directory.',
    hint: 'end the destination with / so it reads as the directory it is',
    rule: 'CopyDestinationSlash',
    messages: {
      several: { text: 'COPY of several sources into {dest}, which can only be a directory', hint: 'write {dest}/' },
      pattern: { text: 'COPY of the pattern {pattern} into {dest}, which can only be a directory', hint: 'write {dest}/' },
    },
  },
} as const satisfies Record<string, CatalogEntry>;
