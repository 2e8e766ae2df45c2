/** Diagnostic codes for Cubefile and cube.yaml parsing. Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The Cubefile and cube.yaml parsing codes. */
export const parseCodes = {
  unknownInstruction: { code: 'CUBE1001', severity: 'error', summary: 'A line starts with a word that is not an instruction.', hint: 'instructions are ARG, FROM, INJECT, COPY, ENV, LABEL, WORKDIR, USER, EXPOSE, CMD, ENTRYPOINT and SEAL' },
  unsupportedInstruction: { code: 'CUBE1002', severity: 'error', summary: 'A Dockerfile instruction that cube does not support (cube never runs commands at build time).', hint: 'do this work in the base image, then build FROM it' },
  syntax: { code: 'CUBE1003', severity: 'error', summary: 'An instruction has missing, extra or misplaced arguments.', hint: 'see docs/cubefile.md for the instruction\'s form' },
  missingFrom: { code: 'CUBE1004', severity: 'error', summary: 'The build file has no FROM.', hint: 'add `FROM <image>` before the other instructions' },
  multipleFrom: { code: 'CUBE1005', severity: 'error', summary: 'More than one FROM: cube builds exactly one image per file.', hint: 'keep one FROM; build other images in their own files' },
  beforeFrom: { code: 'CUBE1006', severity: 'error', summary: 'An instruction other than ARG comes before FROM.', hint: 'move FROM above it; only ARG may precede FROM' },
  multipleInject: { code: 'CUBE1007', severity: 'error', summary: 'envd is injected more than once.', hint: 'keep one INJECT envd line and put all its options there' },
  wrapWithoutInject: { code: 'CUBE1008', severity: 'error', summary: '`ENTRYPOINT wrap` needs an `INJECT envd` to start.', hint: 'add `INJECT envd` (with PATH, TO, PORT or ARGS as needed)' },
  relativeWorkdir: { code: 'CUBE1009', severity: 'error', summary: 'A relative WORKDIR or COPY destination with no earlier absolute WORKDIR: the base image\'s directory is not known here.', hint: 'write an absolute path, or set WORKDIR /somewhere first' },
  badPort: { code: 'CUBE1010', severity: 'error', summary: 'A port is not a number from 1 to 65535 (optionally /tcp or /udp).', hint: 'write a port like 8080 or 53/udp' },
  badSize: { code: 'CUBE1011', severity: 'error', summary: 'A size is not a number with a unit.', hint: 'write sizes like 512MiB, 2GiB or 100MB (KiB/MiB/GiB/TiB are powers of 1024, KB/MB/GB/TB of 1000)' },
  badImageRef: { code: 'CUBE1012', severity: 'error', summary: 'An image reference is malformed.', hint: 'write NAME[:TAG][@sha256:DIGEST], oci-layout:DIR[:TAG|@DIGEST] or docker-archive:FILE[:REF]' },
  badWord: { code: 'CUBE1013', severity: 'error', summary: 'A word has an unclosed quote or an invalid ${…} substitution, or a required variable is unset.', hint: 'close the quote, or set the variable with ARG/ENV or --build-arg' },
  execFormNotStrings: { code: 'CUBE1014', severity: 'error', summary: 'A JSON exec form array holds something other than strings.', hint: 'quote every element: ["python3", "app.py", "8080"]' },
  duplicateCommand: { code: 'CUBE1015', severity: 'warning', summary: 'CMD, ENTRYPOINT, ENTRYPOINT wrap or USER is given more than once; only the last one counts.', hint: 'remove the earlier one', rule: 'MultipleInstructionsDisallowed' },
  badFlag: { code: 'CUBE1016', severity: 'error', summary: 'An option flag is unknown for this instruction or has a bad value.', hint: 'see docs/cubefile.md for the flags each instruction takes' },
  badDirective: { code: 'CUBE1017', severity: 'error', summary: 'A parser directive is repeated or has an invalid value.', hint: 'write `# escape=\\` or `# escape=`` once, at the top of the file' },
  unusedBuildArg: { code: 'CUBE1018', severity: 'warning', summary: 'A --build-arg names no ARG in the build file.', hint: 'declare it with ARG, or drop the --build-arg' },
  badSealOption: { code: 'CUBE1019', severity: 'error', summary: 'A SEAL option is unknown, repeated, or SIZE and FREE are both given.', hint: 'SEAL ext4 [SIZE n | FREE n] [journal] [metadata_csum] [dir_index] [holes] [label=NAME]' },
  multipleSeal: { code: 'CUBE1020', severity: 'error', summary: 'More than one SEAL instruction.', hint: 'keep one SEAL line with all its options' },
  badInject: { code: 'CUBE1021', severity: 'error', summary: 'INJECT names something other than envd, repeats an option, TO is not an absolute path, or ARGS passes -port (PORT sets it).', hint: 'INJECT envd [PATH host-path] [TO /absolute/path] [PORT n] [ARGS "…"] [FIRECRACKER]' },
  badPlatform: { code: 'CUBE1022', severity: 'error', summary: 'A --platform value is not os/arch[/variant].', hint: 'write --platform=linux/amd64 or --platform=linux/arm64/v8' },
  badValue: { code: 'CUBE1023', severity: 'error', summary: 'A value is malformed (an ENV or LABEL without a name, a bad USER, an empty path).', hint: 'see docs/cubefile.md for the instruction\'s form' },
  injectWithoutWrap: { code: 'CUBE1025', severity: 'warning', summary: 'envd is injected but ENTRYPOINT wrap is missing, so nothing starts it and launch.json has no readiness probe.', hint: 'add ENTRYPOINT wrap, or start envd (as root) from your own entrypoint', rule: 'EnvdNotStarted' },
  undefinedVariable: { code: 'CUBE1024', severity: 'warning', summary: 'A $VAR or ${VAR} names a variable that is not defined at that point.', hint: 'declare it with ARG or ENV, or give a default with ${VAR:-default}', rule: 'UndefinedVar' },
  yamlSyntax: { code: 'CUBE1101', severity: 'error', summary: 'cube.yaml is not valid YAML.', hint: 'fix the YAML syntax at the position shown' },
  yamlSchema: { code: 'CUBE1102', severity: 'error', summary: 'cube.yaml does not match the schema (grammar/cube.schema.json).', hint: 'point your editor at grammar/cube.schema.json for completion and checks' },
} as const satisfies Record<string, CatalogEntry>;
