/**
 * The meaning of the instructions that decide what goes into the image: ARG (scoping and
 * `--build-arg`), FROM, INJECT, COPY and SEAL. Each takes its syntax tree instruction and adds
 * to the evaluation, reporting what is wrong at the word at fault.
 */
import { posix } from 'node:path';
import type { Chown, Platform } from '../core/build-spec.js';
import { DEFAULT_ENVD_IMAGE_PATH, DEFAULT_ENVD_PORT, DEFAULT_SEAL } from '../core/build-spec.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import { parsePlatform } from '../core/platform.js';
import { closest } from '../core/suggest.js';
import type { Instruction, Val } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { parseImageRef } from './image-ref.js';
import { parsePort, parseSize } from './units.js';
import { splitArguments } from './words.js';

type Of<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEAL_FLAGS = ['journal', 'metadata_csum', 'dir_index', 'holes'] as const;

export function evaluateArg(ev: Evaluator, instruction: Of<'arg'>): void {
  const name = instruction.name.text;
  if (!NAME.test(name)) {
    ev.report(parseCodes.badValue, 'argName', { name }, instruction.name.span);
    return;
  }
  let value: string | undefined;
  if (ev.buildArgs.has(name)) {
    value = ev.buildArgs.get(name);
    ev.usedBuildArgs.add(name);
  } else if (instruction.default) value = ev.word(instruction.default);
  else if (ev.afterFrom) value = ev.preFromArgs.get(name);
  (ev.afterFrom ? ev.stageArgs : ev.preFromArgs).set(name, value);
}

export function evaluateFrom(ev: Evaluator, instruction: Of<'from'>): void {
  if (ev.afterFrom) {
    ev.report(parseCodes.multipleFrom, 'secondFrom', {}, instruction.span);
    return;
  }
  // FROM sees the ARGs declared before it; everything after sees the stage's scope.
  const text = ev.word(instruction.image);
  const p = instruction.platform ? ev.word(instruction.platform) : undefined;
  ev.afterFrom = true;
  let platform: Platform | undefined;
  if (instruction.platform && p !== undefined) {
    platform = parsePlatform(p);
    if (!platform) ev.report(parseCodes.badPlatform, 'platform', { platform: p }, instruction.platform.span);
  }
  ev.spans.set('/from', instruction.span);
  ev.spans.set('/from/image', instruction.image.span);
  if (text === undefined) return;
  const ref = parseImageRef(text);
  if (!ref.ok) {
    ev.report(parseCodes.badImageRef, 'imageRef', { ref: text, reason: ref.reason }, instruction.image.span);
    return;
  }
  ev.from = { image: ref.ref, ...(platform ? { platform } : {}) };
}

/** envd's extra arguments, one word split as a shell would or a list; undefined after reporting. */
function envdArguments(ev: Evaluator, args: NonNullable<Of<'inject'>['args']>): string[] | undefined {
  const list: { value: string; span: Val['span'] }[] = [];
  if (Array.isArray(args)) {
    for (const val of args as readonly Val[]) {
      const value = ev.word(val);
      if (value === undefined) return undefined;
      list.push({ value, span: val.span });
    }
  } else {
    const one = args as Val;
    const text = ev.word(one);
    if (text === undefined) return undefined;
    const words = splitArguments(text);
    if (!Array.isArray(words)) return ev.wordValue(words, one.span) as undefined;
    list.push(...words.map((value) => ({ value, span: one.span })));
  }
  // cube passes -port from PORT; a second one would make envd and the readiness probe disagree.
  const portFlag = list.find((a) => /^--?port(=|$)/.test(a.value));
  if (portFlag !== undefined) {
    ev.report(parseCodes.badInject, 'portInArgs', { flag: portFlag.value }, portFlag.span);
    return undefined;
  }
  return list.map((a) => a.value);
}

export function evaluateInject(ev: Evaluator, instruction: Of<'inject'>): void {
  if (ev.inject || ev.spans.has('/inject')) {
    ev.report(parseCodes.multipleInject, 'again', {}, instruction.span);
    return;
  }
  ev.spans.set('/inject', instruction.span);
  const name = ev.word(instruction.name);
  if (name !== 'envd') {
    ev.report(parseCodes.badInject, 'notEnvd', { name: name ?? instruction.name.text }, instruction.name.span);
    return;
  }
  const hostPath = instruction.path ? ev.word(instruction.path) : undefined;
  if (instruction.path) ev.spans.set('/inject/hostPath', instruction.path.span);
  let imagePath = DEFAULT_ENVD_IMAGE_PATH;
  if (instruction.to) {
    const to = ev.word(instruction.to);
    if (to === undefined) return;
    if (!to.startsWith('/') || to.endsWith('/')) {
      ev.report(parseCodes.badInject, 'to', { path: to }, instruction.to.span);
      return;
    }
    imagePath = posix.normalize(to);
    ev.spans.set('/inject/imagePath', instruction.to.span);
  }
  let port = DEFAULT_ENVD_PORT;
  if (instruction.port) {
    const text = ev.word(instruction.port);
    const parsed = text === undefined ? undefined : parsePort(text);
    if (parsed === undefined) {
      if (text !== undefined) ev.report(parseCodes.badPort, 'injectPort', { port: text }, instruction.port.span);
      return;
    }
    port = parsed;
    ev.spans.set('/inject/port', instruction.port.span);
  }
  const args = instruction.args ? envdArguments(ev, instruction.args) : [];
  if (args === undefined) return;
  if (hostPath === '') {
    ev.report(parseCodes.badInject, 'emptyPath', {}, instruction.path?.span);
    return;
  }
  ev.inject = { name: 'envd', ...(hostPath !== undefined ? { hostPath } : {}), imagePath, port, args, ...(instruction.firecracker ? { firecracker: true as const } : {}) };
}

/** COPY's `--chown` and `--chmod`; `ok` is false after reporting a bad one. */
function copyFlags(ev: Evaluator, instruction: Of<'copy'>): { ok: boolean; chown?: Chown; chmod?: number } {
  const out: { ok: boolean; chown?: Chown; chmod?: number } = { ok: true };
  if (instruction.chown) {
    const text = ev.word(instruction.chown);
    const [user, group, extra] = (text ?? '').split(':');
    if (!user || group === '' || extra !== undefined) {
      if (text !== undefined) ev.report(parseCodes.badFlag, 'chown', { value: text }, instruction.chown.span);
      out.ok = false;
    } else out.chown = { user, ...(group !== undefined ? { group } : {}) };
  }
  if (instruction.chmod) {
    const text = ev.word(instruction.chmod);
    if (text === undefined || !/^[0-7]{3,4}$/.test(text)) {
      if (text !== undefined) ev.report(parseCodes.badFlag, 'chmod', { value: text }, instruction.chmod.span);
      out.ok = false;
    } else out.chmod = parseInt(text, 8);
  }
  return out;
}

export function evaluateCopy(ev: Evaluator, instruction: Of<'copy'>): void {
  const json = instruction.json === true;
  const sources = instruction.sources.map((s) => ev.word(s, json));
  const destText = ev.word(instruction.dest, json);
  const { ok, chown, chmod } = copyFlags(ev, instruction);
  if (!ok || destText === undefined || !sources.every((s) => s !== undefined && s !== '')) return;
  const resolved = ev.imagePath(destText, instruction.dest.span, 'COPY destination');
  if (resolved === undefined) return;
  const dest = destText.endsWith('/') && !resolved.endsWith('/') ? `${resolved}/` : resolved;
  const step = ev.steps.length;
  ev.spans.set(`/steps/${step}`, instruction.span);
  instruction.sources.forEach((source, i) => ev.spans.set(`/steps/${step}/sources/${i}`, source.span));
  ev.steps.push({ kind: 'copy', sources: sources as string[], dest, ...(chown ? { chown } : {}), ...(chmod !== undefined ? { chmod } : {}) });
}

/** SEAL's options after the size: ext4 features and the label. */
function sealOptions(ev: Evaluator, options: readonly Val[]): { flags: Set<string>; label?: string } {
  const flags = new Set<string>();
  let label: string | undefined;
  for (const val of options) {
    const text = ev.word(val);
    if (text === undefined) continue;
    const lower = text.toLowerCase();
    if (lower.startsWith('label=')) {
      label = text.slice('label='.length);
      if (Buffer.byteLength(label) > 16) ev.report(parseCodes.badSealOption, 'longLabel', { label }, val.span);
    } else if (flags.has(lower)) ev.report(parseCodes.badSealOption, 'twice', { option: lower }, val.span);
    else if ((SEAL_FLAGS as readonly string[]).includes(lower)) flags.add(lower);
    else ev.report(parseCodes.badSealOption, 'unknown', { option: text }, val.span, closest(lower, [...SEAL_FLAGS, 'label']));
  }
  return { flags, ...(label !== undefined ? { label } : {}) };
}

export function evaluateSeal(ev: Evaluator, instruction: Of<'seal'>): void {
  if (ev.seal || ev.spans.has('/seal')) {
    ev.report(parseCodes.multipleSeal, 'again', {}, instruction.span);
    return;
  }
  ev.spans.set('/seal', instruction.span);
  const format = ev.word(instruction.format);
  if (format?.toLowerCase() !== 'ext4') {
    ev.report(parseCodes.badSealOption, 'format', { format: format ?? instruction.format.text }, instruction.format.span);
    return;
  }
  const sizeOf = (val: Val | undefined, what: string): number | undefined => {
    if (!val) return undefined;
    const text = ev.word(val);
    const bytes = text === undefined ? undefined : parseSize(text);
    if (bytes === undefined && text !== undefined) ev.report(parseCodes.badSize, 'size', { what, size: text }, val.span);
    return bytes;
  };
  const size = sizeOf(instruction.size, 'SIZE');
  const free = sizeOf(instruction.free, 'FREE');
  if (instruction.size && instruction.free) ev.report(parseCodes.badSealOption, 'sizeAndFree', {}, instruction.span);
  const { flags, label } = sealOptions(ev, instruction.options);
  ev.seal = {
    ...DEFAULT_SEAL,
    ...(size !== undefined ? { size } : {}),
    ...(free !== undefined ? { free } : {}),
    journal: flags.has('journal'),
    metadataCsum: flags.has('metadata_csum'),
    dirIndex: flags.has('dir_index'),
    ...(flags.has('holes') ? { holes: true } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}
