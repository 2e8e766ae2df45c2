/**
 * The meaning of the instructions that configure how the sandbox starts: ENV and LABEL,
 * WORKDIR (also a filesystem step), USER, EXPOSE, CMD, ENTRYPOINT and `ENTRYPOINT wrap`.
 */
import { posix } from 'node:path';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Instruction } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { parsePorts } from './units.js';

type Of<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;

/** ENV and LABEL: a later value of a name replaces the earlier one in place. */
export function evaluatePairs(ev: Evaluator, instruction: Of<'env' | 'label'>): void {
  const env = instruction.kind === 'env';
  const list = env ? ev.env : ev.labels;
  const index = env ? ev.envIndex : ev.labelIndex;
  const key = env ? 'env' : 'labels';
  for (const pair of instruction.pairs) {
    const name = ev.word(pair.name);
    const value = ev.word(pair.value);
    if (name === undefined || value === undefined) continue;
    if (name === '' || (env && name.includes('='))) {
      ev.report(parseCodes.badValue, 'badName', { keyword: instruction.kind.toUpperCase() }, pair.name.span);
      continue;
    }
    if (env && (name.includes('\0') || value.includes('\0'))) {
      ev.report(parseCodes.badValue, 'nul', { name: name.replace(/\0/g, '\\0') }, pair.value.span);
      continue;
    }
    const at = index.get(name);
    if (at === undefined) index.set(name, list.length);
    ev.spans.set(`/launch/${key}/${at ?? list.length}`, instruction.span);
    list[at ?? list.length] = { name, value };
    if (env) ev.envScope.set(name, value);
  }
}

export function evaluateWorkdir(ev: Evaluator, instruction: Of<'workdir'>): void {
  const text = ev.word(instruction.path);
  const path = text === undefined ? undefined : ev.imagePath(text, instruction.path.span, 'WORKDIR');
  if (path === undefined) return;
  ev.workdir = posix.normalize(path).replace(/(.)\/$/, '$1');
  ev.spans.set(`/steps/${ev.steps.length}`, instruction.span);
  ev.spans.set('/launch/workdir', instruction.span);
  ev.steps.push({ kind: 'workdir', path: ev.workdir });
}

export function evaluateUser(ev: Evaluator, instruction: Of<'user'>): void {
  const user = ev.word(instruction.user);
  if (user === undefined) return;
  if (user === '' || user.startsWith(':') || user.endsWith(':')) {
    ev.report(parseCodes.badValue, 'user', { user }, instruction.user.span);
    return;
  }
  const previous = ev.spans.get('/launch/user');
  if (previous) ev.overridden('USER', previous);
  ev.user = user;
  ev.spans.set('/launch/user', instruction.span);
}

export function evaluateExpose(ev: Evaluator, instruction: Of<'expose'>): void {
  for (const val of instruction.ports) {
    const text = ev.word(val);
    if (text === undefined) continue;
    const ports = parsePorts(text);
    if (!ports) {
      ev.report(parseCodes.badPort, 'expose', { port: text }, val.span);
      continue;
    }
    for (const p of ports) {
      if (ev.expose.some((e) => e.port === p.port && e.protocol === p.protocol)) continue;
      ev.spans.set(`/launch/expose/${ev.expose.length}`, val.span);
      ev.expose.push(p);
    }
  }
}

/** CMD and ENTRYPOINT: commands are never substituted, and a later one replaces an earlier one. */
export function evaluateCommand(ev: Evaluator, instruction: Of<'cmd' | 'entrypoint'>): void {
  const previous = ev[instruction.kind];
  if (previous) ev.overridden(instruction.kind.toUpperCase(), previous.span);
  ev[instruction.kind] = { spec: instruction.command, span: instruction.span };
  ev.spans.set(`/launch/${instruction.kind}`, instruction.span);
}

export function evaluateWrap(ev: Evaluator, instruction: Of<'wrap'>): void {
  if (ev.wrap) {
    ev.report(parseCodes.duplicateCommand, 'wrapAgain', {}, instruction.span);
    return;
  }
  ev.wrap = instruction.span;
  ev.spans.set('/launch/wrap', instruction.span);
}
