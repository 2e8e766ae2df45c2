/**
 * Generated editor and documentation artefacts of the language, kept in `grammar/`: railroad
 * syntax diagrams drawn from the chevrotain grammar itself, and a TextMate grammar whose keyword
 * lists come from the same token definitions, so neither can drift from the parser.
 */
import { createSyntaxDiagramsCode } from './chevrotain.js';
import { cubefileParser, instructionTokens, optionTokens } from './grammar.js';

/** The railroad diagrams page. Its scripts come from the chevrotain package (works offline after `npm ci`). */
export function syntaxDiagramsHtml(): string {
  return createSyntaxDiagramsCode(cubefileParser.getSerializedGastProductions(), {
    resourceBase: '../node_modules/chevrotain/diagrams/',
    css: '../node_modules/chevrotain/diagrams/diagrams.css',
  });
}

/** The TextMate grammar for Cubefiles (`source.cubefile`). */
export function textMateGrammar(): string {
  const instructions = Object.keys(instructionTokens).join('|');
  const options = Object.keys(optionTokens).join('|');
  const grammar = {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'Cubefile',
    scopeName: 'source.cubefile',
    fileTypes: ['Cubefile'],
    patterns: [
      { name: 'comment.line.directive.cubefile', match: '^\\s*#\\s*(?i:syntax|escape)\\s*=.*$' },
      { name: 'comment.line.number-sign.cubefile', match: '^\\s*#.*$' },
      {
        match: `^\\s*(?i:(ENTRYPOINT))\\s+(?i:(wrap))\\s*$`,
        captures: { '1': { name: 'keyword.control.instruction.cubefile' }, '2': { name: 'keyword.other.wrap.cubefile' } },
      },
      { match: `^\\s*(?i:(${instructions}))\\b`, captures: { '1': { name: 'keyword.control.instruction.cubefile' } } },
      { name: 'keyword.other.option.cubefile', match: `(?<=\\s)(?i:${options})(?=\\s)` },
      { name: 'keyword.other.seal-flag.cubefile', match: '(?<=\\s)(?i:ext4|envd|journal|metadata_csum|dir_index|holes)(?=\\s|$)' },
      { name: 'variable.parameter.flag.cubefile', match: '--[A-Za-z][\\w-]*' },
      { name: 'variable.other.substitution.cubefile', match: '\\$\\{[^}]*\\}|\\$[A-Za-z_][A-Za-z0-9_]*' },
      { name: 'string.quoted.double.cubefile', begin: '"', end: '"', patterns: [{ name: 'constant.character.escape.cubefile', match: '\\\\.' }, { name: 'variable.other.substitution.cubefile', match: '\\$\\{[^}]*\\}|\\$[A-Za-z_][A-Za-z0-9_]*' }] },
      { name: 'string.quoted.single.cubefile', begin: "'", end: "'" },
      { name: 'constant.character.escape.continuation.cubefile', match: '[\\\\`]\\s*$' },
    ],
  };
  return JSON.stringify(grammar, null, 2) + '\n';
}
