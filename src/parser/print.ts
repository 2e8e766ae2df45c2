/**
 * The syntax tree written back out, for `cube convert`: as a Cubefile or as cube.yaml. ARGs and
 * `${…}` substitutions are kept as written, so a converted file means the same for every
 * `--build-arg`; converting twice gives the same text.
 */
import { stringify } from 'yaml';
import type { CommandAst, Document, InjectArgs, Instruction, Val } from './ast.js';
import { splitArguments, unquoteWord } from './words.js';

/** A word's string value with its substitutions kept (`${X}`) and literal dollars as `\$`. */
function plain(document: Document, val: Val): string {
  if (document.words === 'yaml') return val.text;
  const result = unquoteWord(val.text, document.escape);
  return result.ok ? result.value : val.text;
}

/** Writes a plain string (with `\$` for literal dollars) as a shell word. */
function shell(text: string): string {
  if (/^[\w@%+=:,./${}-]+$/.test(text) && !text.includes('\\')) return text;
  return '"' + text.replace(/\\(?!\$)/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function word(document: Document, val: Val): string {
  return document.words === 'shell' ? val.text : shell(val.text);
}

function commandText(command: CommandAst): string {
  return command.form === 'exec' ? JSON.stringify(command.argv).replace(/","/g, '", "') : command.command;
}

function cubefileLine(document: Document, i: Instruction): string {
  const w = (v: Val): string => word(document, v);
  switch (i.kind) {
    case 'arg':
      return `ARG ${i.name.text}${i.default ? `=${w(i.default)}` : ''}`;
    case 'from':
      return `FROM ${i.platform ? `--platform=${w(i.platform)} ` : ''}${w(i.image)}`;
    case 'inject':
      return ['INJECT envd', ...(i.path ? [`PATH ${w(i.path)}`] : []), ...(i.to ? [`TO ${w(i.to)}`] : []), ...(i.port ? [`PORT ${w(i.port)}`] : []), ...(i.args ? [`ARGS ${argsWord(document, i.args)}`] : []), ...(i.firecracker ? ['FIRECRACKER'] : [])].join(' ');
    case 'copy':
      return ['COPY', ...(i.chown ? [`--chown=${w(i.chown)}`] : []), ...(i.chmod ? [`--chmod=${w(i.chmod)}`] : []), ...(i.json ? [commandText({ form: 'exec', argv: [...i.sources, i.dest].map((v) => v.text) })] : [...i.sources.map(w), w(i.dest)])].join(' ');
    case 'env':
    case 'label':
      return `${i.kind.toUpperCase()} ${i.pairs.map((p) => `${p.name.text}=${w(p.value)}`).join(' ')}`;
    case 'workdir':
      return `WORKDIR ${document.words === 'shell' ? i.path.text : shell(i.path.text)}`;
    case 'user':
      return `USER ${w(i.user)}`;
    case 'expose':
      return `EXPOSE ${i.ports.map(w).join(' ')}`;
    case 'cmd':
    case 'entrypoint':
      return `${i.kind.toUpperCase()} ${commandText(i.command)}`;
    case 'wrap':
      return 'ENTRYPOINT wrap';
    case 'seal':
      return ['SEAL ext4', ...(i.size ? [`SIZE ${w(i.size)}`] : []), ...(i.free ? [`FREE ${w(i.free)}`] : []), ...i.options.map(w)].join(' ');
  }
}

/** Writes the document as a Cubefile. */
export function printCubefile(document: Document): string {
  const lines: string[] = [];
  let previous: Instruction['kind'] | undefined;
  for (const i of document.instructions) {
    if (previous !== undefined && (i.kind === 'from' || previous === 'from' || (previous === 'arg') !== (i.kind === 'arg'))) lines.push('');
    lines.push(cubefileLine(document, i));
    previous = i.kind;
  }
  return lines.join('\n') + '\n';
}

/** Quotes one envd argument so the ARGS word splitter gives it back unchanged. */
function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`;
}

/** INJECT's ARGS as the one Cubefile word that splits into them. */
function argsWord(document: Document, args: InjectArgs): string {
  if (!Array.isArray(args)) return word(document, args as Val);
  return shell((args as readonly Val[]).map((a) => quoteArg(a.text)).join(' '));
}

/** INJECT's ARGS as a list of strings (substitutions kept). */
function argsList(document: Document, args: InjectArgs): string[] {
  if (Array.isArray(args)) return (args as readonly Val[]).map((a) => a.text);
  const split = splitArguments(plain(document, args as Val), true);
  return Array.isArray(split) ? split : [(args as Val).text];
}

/** Writes the document as cube.yaml. */
export function printYaml(document: Document): string {
  const p = (v: Val): string => plain(document, v);
  const out: Record<string, unknown> = {};
  const steps: unknown[] = [];
  for (const i of document.instructions) {
    switch (i.kind) {
      case 'arg':
        // A re-declaration without a default (ARG X after FROM) keeps the value declared before.
        if (i.default || !(i.name.text in ((out.args as object | undefined) ?? {}))) out.args = { ...(out.args as object), [i.name.text]: i.default ? p(i.default) : null };
        break;
      case 'from':
        out.from = i.platform ? { image: p(i.image), platform: p(i.platform) } : p(i.image);
        break;
      case 'inject':
        out.inject = {
          envd: {
            ...(i.path ? { path: p(i.path) } : {}),
            ...(i.to ? { to: p(i.to) } : {}),
            ...(i.port ? { port: /^\d+$/.test(p(i.port)) ? Number(p(i.port)) : p(i.port) } : {}),
            ...(i.args ? { args: argsList(document, i.args) } : {}),
            ...(i.firecracker ? { firecracker: true } : {}),
          },
        };
        break;
      case 'copy': {
        // The strings of a JSON array have no quotes to remove: their text is their value.
        const c = (v: Val): string => (i.json ? v.text : p(v));
        steps.push({ copy: { src: i.sources.length === 1 ? c(i.sources[0] as Val) : i.sources.map(c), dest: c(i.dest), ...(i.chown ? { chown: p(i.chown) } : {}), ...(i.chmod ? { chmod: p(i.chmod) } : {}) } });
        break;
      }
      case 'workdir':
        steps.push({ workdir: p(i.path) });
        break;
      case 'env':
      case 'label': {
        const key = i.kind === 'env' ? 'env' : 'labels';
        out[key] = { ...(out[key] as object), ...Object.fromEntries(i.pairs.map((pair) => [p(pair.name), p(pair.value)])) };
        break;
      }
      case 'user':
        out.user = p(i.user);
        break;
      case 'expose':
        out.expose = [...((out.expose as unknown[]) ?? []), ...i.ports.map((v) => (/^\d+$/.test(p(v)) ? Number(p(v)) : p(v)))];
        break;
      case 'cmd':
      case 'entrypoint':
        out[i.kind] = i.command.form === 'exec' ? [...i.command.argv] : i.command.command;
        break;
      case 'wrap':
        out.wrap = true;
        break;
      case 'seal': {
        const options = i.options.map(p);
        const label = options.find((o) => o.toLowerCase().startsWith('label='));
        out.seal = {
          ...(i.size ? { size: p(i.size) } : {}),
          ...(i.free ? { free: p(i.free) } : {}),
          ...Object.fromEntries(options.filter((o) => o !== label).map((o) => [o.toLowerCase(), true])),
          ...(label ? { label: label.slice('label='.length) } : {}),
        };
        break;
      }
    }
  }
  if (steps.length > 0) out.steps = steps;
  const order = ['args', 'from', 'env', 'labels', 'inject', 'steps', 'user', 'expose', 'entrypoint', 'cmd', 'wrap', 'seal'];
  const sorted = Object.fromEntries(order.filter((k) => k in out).map((k) => [k, out[k]]));
  return stringify(sorted, { lineWidth: 0 });
}
