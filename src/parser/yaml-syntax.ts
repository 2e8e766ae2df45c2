/**
 * cube.yaml to the syntax tree: the same instructions as a Cubefile, written as a YAML document,
 * validated with zod. A schema error points at the YAML node at fault (the zod issue path is
 * looked up in the YAML tree), not just at a JSON path.
 */
import { isMap, isScalar, parseDocument, visit } from 'yaml';
import type { Document as YamlDocument, Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Document, Instruction, Val } from './ast.js';
import { checkField, readDirectives } from './logical-lines.js';
import { closest } from '../core/suggest.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const command = z.union([z.array(z.string()), z.string()]);

/** The zod schema of cube.yaml; grammar/cube.schema.json is generated from it. */
const cubeYamlSchema = z
  .object({
    version: z.literal(1).optional().describe('schema version of this file'),
    args: z.record(z.string(), scalar.nullable()).optional().describe('build arguments and their defaults (ARG)'),
    from: z
      .union([z.string(), z.object({ image: z.string(), platform: z.string().optional() }).strict()])
      .describe('the base image (FROM): a registry reference, oci-layout:DIR[:TAG|@DIGEST] or docker-archive:FILE[:REF]'),
    env: z.record(z.string(), scalar).optional().describe('environment variables (ENV)'),
    labels: z.record(z.string(), scalar).optional().describe('image labels (LABEL)'),
    inject: z
      .object({
        envd: z
          .object({
            path: z.string().optional().describe('host path of the envd binary'),
            to: z.string().optional().describe('absolute in-image path (default /usr/local/bin/envd)'),
            port: z.union([z.number().int(), z.string()]).optional().describe('port envd listens on (default 49983)'),
            args: z.array(z.string()).optional().describe('extra arguments for envd, after -port N -isnotfc'),
            firecracker: z.boolean().optional().describe('the sandbox runs in Firecracker: do not pass envd -isnotfc'),
          })
          .strict()
          .nullable(),
      })
      .strict()
      .optional()
      .describe('INJECT envd'),
    steps: z
      .array(
        z.union([
          z
            .object({
              copy: z
                .object({
                  src: z.union([z.string(), z.array(z.string()).min(1)]),
                  dest: z.string(),
                  chown: z.union([z.string(), z.number()]).optional(),
                  chmod: z.union([z.string(), z.number()]).optional(),
                })
                .strict(),
            })
            .strict(),
          z.object({ workdir: z.string() }).strict(),
        ]),
      )
      .optional()
      .describe('filesystem steps, in order (COPY, WORKDIR)'),
    user: z.union([z.string(), z.number()]).optional().describe('USER'),
    expose: z.array(z.union([z.number().int(), z.string()])).optional().describe('EXPOSE'),
    entrypoint: command.optional().describe('ENTRYPOINT: exec form (list) or shell form (string)'),
    cmd: command.optional().describe('CMD: exec form (list) or shell form (string)'),
    wrap: z.boolean().optional().describe('ENTRYPOINT wrap: start envd beside the effective entrypoint + cmd'),
    seal: z
      .object({
        format: z.literal('ext4').optional(),
        size: z.string().optional(),
        free: z.string().optional(),
        journal: z.boolean().optional(),
        metadata_csum: z.boolean().optional(),
        dir_index: z.boolean().optional(),
        holes: z.boolean().optional().describe('store all-zero blocks of file data as holes'),
        label: z.string().optional(),
      })
      .strict()
      .optional()
      .describe('SEAL ext4 options'),
  })
  .strict();

/** The JSON Schema of cube.yaml, as stored in grammar/cube.schema.json. */
export function cubeYamlJsonSchema(): string {
  const schema = z.toJSONSchema(cubeYamlSchema);
  return JSON.stringify({ ...schema, title: 'cube.yaml', $id: 'cube.schema.json' }, null, 2) + '\n';
}

type CubeYaml = z.infer<typeof cubeYamlSchema>;

function nodeSpan(node: YamlNode | undefined | null, file: string, fallback: Span): Span {
  const range = node?.range;
  return range ? { file, start: range[0], end: range[1] } : fallback;
}

/** The node at `path`, or its deepest existing ancestor. */
function nodeAt(doc: YamlDocument, path: readonly PropertyKey[]): YamlNode | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node) return node;
  }
  return undefined;
}

/** Parses cube.yaml text into the syntax tree. */
export function parseYamlSyntax(text: string, file: string): { document: Document; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const empty: Document = { words: 'yaml', escape: '\\', instructions: [] };
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  for (const error of doc.errors) {
    // An error at the end of the text has a position one past it; keep spans inside the text.
    const start = Math.min(error.pos[0], text.length);
    const end = Math.min(Math.max(error.pos[1], start), text.length);
    diagnostics.push(createDiagnostic(parseCodes.yamlSyntax, 'yamlSyntax', { problem: error.message.split('\n')[0] ?? 'invalid YAML' }, { span: { file, start, end } }));
  }
  if (diagnostics.length > 0) return { document: empty, diagnostics };
  const whole: Span = { file, start: 0, end: Math.min(text.length, 1) };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // An alias to an anchor defined after it (or too many aliases) fails only here, unpositioned.
    const message = error instanceof Error ? error.message.split('\n')[0] ?? 'invalid YAML' : 'invalid YAML';
    let alias: YamlNode | undefined;
    visit(doc, {
      Alias: (_key, node) => {
        alias = node as YamlNode;
        return visit.BREAK;
      },
    });
    diagnostics.push(createDiagnostic(parseCodes.yamlSyntax, 'yamlSyntax', { problem: message }, { span: nodeSpan(alias, file, whole) }));
    return { document: empty, diagnostics };
  }
  const parsed = cubeYamlSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      if (issue.code === 'unrecognized_keys') {
        const parent = doc.getIn(issue.path as (string | number)[], true);
        for (const key of issue.keys) {
          const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
          const near = closestKey(key, issue.path);
          diagnostics.push(
            createDiagnostic(parseCodes.yamlSchema, 'unknownKey', { where, key }, {
              span: nodeSpan(pair && isScalar(pair.key) ? pair.key : nodeAt(doc, issue.path), file, whole),
              ...(near ? { suggestion: near } : {}),
            }),
          );
        }
        continue;
      }
      const present = doc.getIn(issue.path as (string | number)[], true) !== undefined;
      const span = nodeSpan(nodeAt(doc, issue.path), file, whole);
      if (present) diagnostics.push(createDiagnostic(parseCodes.yamlSchema, 'schema', { where, problem: issue.message }, { span }));
      else diagnostics.push(createDiagnostic(parseCodes.yamlSchema, 'missingKey', { key: String(issue.path[issue.path.length - 1]) }, { span }));
    }
    return { document: empty, diagnostics };
  }
  // `# check=` among the top comment lines, read by the same rules as a Cubefile's directives.
  const check = checkField(readDirectives(text), file);
  return { document: { words: 'yaml', escape: '\\', instructions: toInstructions(parsed.data, doc, file, whole), ...check }, diagnostics };
}

function toInstructions(data: CubeYaml, doc: YamlDocument, file: string, whole: Span): Instruction[] {
  const span = (...path: (string | number)[]): Span => nodeSpan(nodeAt(doc, path), file, whole);
  const val = (value: string | number | boolean, ...path: (string | number)[]): Val => ({ text: String(value), span: span(...path) });
  const keySpan = (map: string, key: string): Span => {
    const parent = doc.getIn([map], true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) return nodeSpan(pair.key, file, whole);
    }
    return span(map, key);
  };
  const out: Instruction[] = [];
  for (const [name, value] of Object.entries(data.args ?? {})) {
    out.push({ kind: 'arg', span: span('args', name), name: { text: name, span: keySpan('args', name) }, ...(value !== null ? { default: val(value, 'args', name) } : {}) });
  }
  if (typeof data.from === 'string') out.push({ kind: 'from', span: span('from'), image: val(data.from, 'from') });
  else out.push({ kind: 'from', span: span('from'), image: val(data.from.image, 'from', 'image'), ...(data.from.platform !== undefined ? { platform: val(data.from.platform, 'from', 'platform') } : {}) });
  // YAML args are visible everywhere: declared before FROM and again after it, Docker's idiom.
  for (const name of Object.keys(data.args ?? {})) out.push({ kind: 'arg', span: span('args', name), name: { text: name, span: keySpan('args', name) } });
  for (const kind of ['env', 'labels'] as const) {
    const entries = Object.entries(data[kind] ?? {});
    if (entries.length === 0) continue;
    out.push({
      kind: kind === 'env' ? 'env' : 'label',
      span: span(kind),
      pairs: entries.map(([name, value]) => ({ name: { text: name, span: keySpan(kind, name) }, value: val(value, kind, name) })),
    });
  }
  if (data.inject) {
    const e = data.inject.envd ?? {};
    out.push({
      kind: 'inject',
      span: span('inject'),
      name: { text: 'envd', span: span('inject') },
      ...(e.path !== undefined ? { path: val(e.path, 'inject', 'envd', 'path') } : {}),
      ...(e.to !== undefined ? { to: val(e.to, 'inject', 'envd', 'to') } : {}),
      ...(e.port !== undefined ? { port: val(e.port, 'inject', 'envd', 'port') } : {}),
      ...(e.args !== undefined ? { args: e.args.map((a, k) => val(a, 'inject', 'envd', 'args', k)) } : {}),
      ...(e.firecracker ? { firecracker: span('inject', 'envd', 'firecracker') } : {}),
    });
  }
  (data.steps ?? []).forEach((step, i) => {
    if ('workdir' in step) out.push({ kind: 'workdir', span: span('steps', i), path: val(step.workdir, 'steps', i, 'workdir') });
    else {
      const c = step.copy;
      const sources = typeof c.src === 'string' ? [val(c.src, 'steps', i, 'copy', 'src')] : c.src.map((s, k) => val(s, 'steps', i, 'copy', 'src', k));
      out.push({
        kind: 'copy',
        span: span('steps', i),
        sources,
        dest: val(c.dest, 'steps', i, 'copy', 'dest'),
        ...(c.chown !== undefined ? { chown: val(c.chown, 'steps', i, 'copy', 'chown') } : {}),
        ...(c.chmod !== undefined ? { chmod: val(String(c.chmod), 'steps', i, 'copy', 'chmod') } : {}),
      });
    }
  });
  if (data.user !== undefined) out.push({ kind: 'user', span: span('user'), user: val(data.user, 'user') });
  if (data.expose) out.push({ kind: 'expose', span: span('expose'), ports: data.expose.map((p, i) => val(p, 'expose', i)) });
  for (const kind of ['entrypoint', 'cmd'] as const) {
    const c = data[kind];
    if (c === undefined) continue;
    out.push({ kind, span: span(kind), command: typeof c === 'string' ? { form: 'shell', command: c } : { form: 'exec', argv: c } });
  }
  if (data.wrap) out.push({ kind: 'wrap', span: span('wrap') });
  if (data.seal) {
    const s = data.seal;
    out.push({
      kind: 'seal',
      span: span('seal'),
      format: { text: s.format ?? 'ext4', span: span('seal') },
      ...(s.size !== undefined ? { size: val(s.size, 'seal', 'size') } : {}),
      ...(s.free !== undefined ? { free: val(s.free, 'seal', 'free') } : {}),
      options: [
        ...(['journal', 'metadata_csum', 'dir_index', 'holes'] as const).filter((k) => s[k]).map((k) => ({ text: k, span: span('seal', k) })),
        ...(s.label !== undefined ? [{ text: `label=${s.label}`, span: span('seal', 'label') }] : []),
      ],
    });
  }
  return out;
}

/** The keys each map of cube.yaml may hold, for "did you mean". */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(cubeYamlSchema.shape),
  seal: Object.keys(cubeYamlSchema.shape.seal.unwrap().shape),
  'inject.envd': Object.keys(cubeYamlSchema.shape.inject.unwrap().shape.envd.unwrap().shape),
};

function closestKey(key: string, path: readonly PropertyKey[]): string | undefined {
  const known = KNOWN_KEYS[path.filter((p) => typeof p === 'string').join('.')];
  return known ? closest(key, known)?.toLowerCase() : undefined;
}
