/** Diagnostic codes for the command line (CUBE0xxx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** A usage error of `cube <command>`: the command named first, its help as the hint. */
function usage<T extends string>(text: T): { readonly text: `cube {command}: ${T}`; readonly hint: 'run `cube {command} --help` for its options' } {
  return { text: `cube {command}: ${text}`, hint: 'run `cube {command} --help` for its options' };
}

/** The command-line codes. */
export const cliCodes = {
  usage: {
    code: 'CUBE0001',
    severity: 'error',
    summary: 'The command line could not be understood.',
    hint: 'run `cube --help` for the commands and their options',
    messages: {
      unknownCommand: { text: 'unknown command "{name}"', hint: 'run `cube --help` for the list', suggest: 'did you mean "cube {suggestion}"? run `cube --help` for the list' },
      options: usage('{problem}'),
      nameValue: { text: 'cube {command}: {flag} needs NAME=value, got "{value}"', hint: 'write it as {flag} NAME=value' },
      unknownCheck: { text: 'cube {command}: --skip {name}: there is no such check', hint: 'the checks are listed in docs/checks.md', suggest: 'did you mean {suggestion}? The checks are listed in docs/checks.md' },
      logFormat: usage('--log-format must be human or json, got "{value}"'),
      progress: usage('--progress must be auto, tty, plain or json, got "{value}"'),
      progressWithJson: usage('--progress {value} cannot be used with --log-format json (every line on stderr is then a JSON record)'),
      wholeMib: usage('--{flag} "{value}" is not a size in whole MiB (e.g. 512MiB, 1GiB)'),
      oneOutputDirectory: usage('unexpected argument "{value}" (give one output directory)'),
      disk: usage('--disk must be pmem or blk, got "{value}"'),
      timeout: usage('--timeout "{value}" is not a number of seconds'),
      checkFormat: usage('--format must be human, json or sarif, got "{value}"'),
      against: usage('--against takes "last" or a registry repository (REGISTRY/REPO[:TAG]), got "{value}"'),
      oneNewPlan: usage('with --against, name exactly one plan file (NEW)'),
      registryRef: usage('{what} "{value}" is not a registry reference: {problem}'),
      cacheRefForm: usage('{what} "{value}": cube takes type=registry,ref=REGISTRY/REPO'),
      cacheRefKeys: usage('{what} "{value}": cube takes type=registry,ref=REGISTRY/REPO (not {keys})'),
      cacheRefTag: usage('{what} "{value}" names a tag or digest; name the repository alone (entries are tagged by their node)'),
      pushArguments: usage('name the output directory and the reference: cube push OUT REGISTRY/REPO[:TAG]'),
      pushDigest: usage('{value}: a push names a tag, not a digest (the digest is printed)'),
      pullArguments: usage('name the reference and the output directory: cube pull REGISTRY/REPO[:TAG|@DIGEST] OUT'),
      twoPlans: usage('name two plan files: cube diff OLD NEW'),
      convertArgument: usage('unexpected argument "{value}" (name the file with -f)'),
      outputNotFile: usage('-o {path} is not a regular file; name a file to write'),
      outputIsInput: usage('-o {path} is the input file; name another file to write'),
      oneDirectory: usage('unexpected argument "{value}" (give one directory, or the file with -f)'),
      fileAndDirectory: usage('give either -f {file} or the directory {directory}, not both'),
      lockedAndRefresh: usage('--locked and --refresh cannot be used together'),
      mirrorUrl: usage('--registry-mirror {registry}={url}: the mirror must be an http(s) URL'),
      platform: usage('--platform "{value}" is not os/arch[/variant] (e.g. linux/amd64, linux/arm64/v8)'),
      envdMaxSize: usage('--envd-max-size "{value}" is not a size with a unit (e.g. 32MiB)'),
      limitSize: usage('--{flag} "{value}" is not a size with a unit (e.g. 8GiB)'),
      cacheAction: usage('say ls, du or prune'),
      keepDays: usage('--keep-days needs a whole number of days, got "{value}"'),
      keepStorage: usage('--keep-storage needs a size with a unit (e.g. 20GiB), got "{value}"'),
      shell: usage('say which shell: {shells}'),
      count: usage('--{flag} needs a whole number from 1, got "{value}"'),
      inspectArgument: usage('unexpected argument "{value}" (give one output directory or image)'),
      inspectFormat: usage('--format must be human or json, got "{value}"'),
    },
  },
  noBuildFile: {
    code: 'CUBE0002',
    severity: 'error',
    summary: 'No Cubefile or cube.yaml was given or found.',
    hint: 'pass one with -f FILE, or run cube in a directory that holds a Cubefile or cube.yaml',
    messages: { none: 'no Cubefile or cube.yaml in {directory}' },
  },
  unreadableFile: {
    code: 'CUBE0003',
    severity: 'error',
    summary: 'A file named on the command line could not be read.',
    messages: {
      missing: { text: 'cannot read {file}: no such file', hint: 'check the path given with -f' },
      directory: { text: 'cannot read {file}: it is a directory', hint: 'check the path given with -f' },
      unreadable: { text: 'cannot read {file}: {reason}', hint: 'check the path given with -f' },
    },
  },
  writeFailed: {
    code: 'CUBE0004',
    severity: 'error',
    summary: 'An output file could not be written.',
    messages: {
      consoleLog: { text: 'cannot write the console log {path} ({reason})', hint: 'name a writable file with --console FILE, or make the output directory writable' },
      metadata: { text: 'cannot write the metadata file {path}: {reason}', hint: 'give --metadata-file a path in a directory you can write' },
      converted: { text: 'cannot write {path} ({reason})', hint: 'check that its directory exists and is writable' },
      html: { text: 'cannot write {path}: {reason}', hint: 'give --html a path in a directory you can write' },
    },
  },
  convertChangesMeaning: {
    code: 'CUBE0006',
    severity: 'error',
    summary: 'cube convert cannot write the file in the other syntax without changing what it builds.',
    hint: 'cube.yaml declares every ARG before everything else: declare each ARG before its first use, then convert again',
    messages: { difference: 'as {syntax} this would build something else: {path} would be {twin} instead of {original}' },
  },
  badSourceDateEpoch: {
    code: 'CUBE0005',
    severity: 'error',
    summary: 'SOURCE_DATE_EPOCH is set but is not a number of seconds.',
    hint: 'set it to a Unix time in seconds (for example `git log -1 --format=%ct`), or unset it',
    messages: { notSeconds: 'SOURCE_DATE_EPOCH is "{value}", not a number of seconds from 0 to {most}' },
  },
} as const satisfies Record<string, CatalogEntry>;
