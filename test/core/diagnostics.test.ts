import { describe, expect, it } from 'vitest';
import { allCatalogEntries, catalogText, cliCodes, createDiagnostic, diagnosticsToJson, lineColumnOf, parseCodes, planCodes, renderDiagnostics, runCodes } from '../../src/core/diagnostics/index.js';
import { diagnosticOf } from '../helpers/diagnostics.js';

const source = 'ARG X\nFROM  pyhton:3.12\n\tCMD ["a"]\n';
const sources = new Map([['Cubefile', source]]);

describe('diagnostic catalog', () => {
  it('has unique, well-formed codes', () => {
    const codes = allCatalogEntries().map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^CUBE\d{4}$/);
  });
});

describe('renderer', () => {
  it('turns offsets into 1-based lines and columns', () => {
    expect(lineColumnOf(source, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnOf(source, 12)).toEqual({ line: 2, column: 7 });
    expect(lineColumnOf(source, source.length)).toEqual({ line: 4, column: 1 });
  });

  it('prints location, code, source line, underline, notes and hint', () => {
    const start = source.indexOf('pyhton');
    const d = diagnosticOf(cliCodes.usage, 'bad image', {
      span: { file: 'Cubefile', start, end: start + 6 },
      notes: [{ message: 'declared here', span: { file: 'Cubefile', start: 0, end: 3 } }],
      hint: 'did you mean python?',
    });
    expect(renderDiagnostics([d], sources)).toBe(
      [
        'Cubefile:2:7: error CUBE0001: bad image',
        '  2 | FROM  pyhton:3.12',
        '    |       ^~~~~~',
        '  note: Cubefile:1:1: declared here',
        '  1 | ARG X',
        '    | ^~~',
        '  hint: did you mean python?',
        '',
      ].join('\n'),
    );
  });

  it('shows tabs as one column and clips an underline at the end of the line', () => {
    const start = source.indexOf('CMD');
    const d = diagnosticOf(cliCodes.usage, 'x', { span: { file: 'Cubefile', start, end: source.length } });
    const text = renderDiagnostics([d], sources);
    expect(text).toContain('  3 |  CMD ["a"]\n    |  ^~~~~~~~~\n');
  });

  it('shows a window of a very long line around the span, the caret still under it', () => {
    const long = `ENV A=${'a'.repeat(5000)}B${'c'.repeat(5000)}\n`;
    const start = long.indexOf('B');
    const text = renderDiagnostics([diagnosticOf(cliCodes.usage, 'x', { span: { file: 'Cubefile', start, end: start + 1 } })], new Map([['Cubefile', long]]));
    const [, shown, caret] = text.split('\n');
    expect(shown).toBe(`  1 | …${'a'.repeat(40)}B${'c'.repeat(119)}…`);
    expect(caret).toBe(`    | ${' '.repeat(41)}^`);
  });

  it('shows at most fifty diagnostics and says how many more there are', () => {
    const many = Array.from({ length: 120 }, (_, i) => diagnosticOf(cliCodes.usage, `problem ${i}`));
    const text = renderDiagnostics(many, sources);
    expect(text).toContain('problem 49');
    expect(text).not.toContain('problem 50');
    expect(text.trimEnd().split('\n').at(-1)).toBe('cube: … and 70 more diagnostics not shown');
  });

  it('falls back to the catalog hint and prints span-less diagnostics under "cube:"', () => {
    const d = createDiagnostic(cliCodes.noBuildFile, 'none', { directory: '/work' });
    expect(renderDiagnostics([d], sources)).toBe(
      `cube: error CUBE0002: no Cubefile or cube.yaml in /work\n  hint: ${cliCodes.noBuildFile.hint}\n`,
    );
  });

  it('gives JSON with resolved positions', () => {
    const start = source.indexOf('pyhton');
    const d = diagnosticOf(cliCodes.usage, 'bad', { span: { file: 'Cubefile', start, end: start + 6 } });
    expect(diagnosticsToJson([d], sources)).toEqual([
      {
        code: 'CUBE0001',
        severity: 'error',
        message: 'bad',
        file: 'Cubefile',
        line: 2,
        column: 7,
        endLine: 2,
        endColumn: 13,
        notes: [],
        hint: cliCodes.usage.hint,
      },
    ]);
  });
});

describe('message templates', () => {
  it('fill the message and its own hint with the values given', () => {
    const d = createDiagnostic(parseCodes.badValue, 'noValue', { keyword: 'ENV', name: 'DEBUG' }, { span: { file: 'Cubefile', start: 0, end: 3 } });
    expect(d).toEqual({ code: 'CUBE1023', severity: 'error', message: 'ENV DEBUG has no value', hint: 'write ENV DEBUG=value', notes: [], span: { file: 'Cubefile', start: 0, end: 3 } });
  });

  it("take the code's hint when the message has none", () => {
    expect(createDiagnostic(parseCodes.multipleSeal, 'again', {}).hint).toBe(parseCodes.multipleSeal.hint);
  });

  it('say "did you mean" only when there is a suggestion', () => {
    expect(createDiagnostic(parseCodes.unknownInstruction, 'unknown', { word: 'FORM' }, { suggestion: 'FROM' })).toMatchObject({ message: 'unknown instruction "FORM"', hint: 'did you mean FROM?' });
    expect(createDiagnostic(parseCodes.unknownInstruction, 'unknown', { word: 'XYZZY' }).hint).toBe(parseCodes.unknownInstruction.hint);
  });

  it('give notes filled with the same values', () => {
    const d = createDiagnostic(runCodes.vmFailed, 'panic', { line: 'VFS: unable to mount root', consoleLog: '/tmp/console.log', tail: '    | end' });
    expect(d.notes.map((n) => n.message)).toEqual(['console log: /tmp/console.log', "the console's last lines:\n    | end"]);
  });

  it('keep a value that looks like a placeholder as it is', () => {
    expect(createDiagnostic(parseCodes.badWord, 'required', { name: 'X', message: 'set {name}' }).message).toBe('X: set {name}');
  });

  it('give their text alone, for a hint made of a code\'s words', () => {
    expect(catalogText(planCodes.lockMismatch, 'pinned', { ref: 'python:3.12', pinned: 'sha256:1' })).toBe('Cubefile.lock pins python:3.12 to sha256:1; run with --refresh to resolve it afresh');
  });

  it('are written for every code, each with a text', () => {
    for (const entry of allCatalogEntries()) {
      const templates = Object.values(entry.messages);
      expect(templates.length, entry.code).toBeGreaterThan(0);
      for (const t of templates) expect(typeof t === 'string' ? t : t.text, entry.code).not.toBe('');
    }
  });
});
