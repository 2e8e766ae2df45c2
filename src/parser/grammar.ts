/**
 * The Cubefile instruction grammar on chevrotain: one logical line (see logical-lines.ts) is one
 * instruction. Keywords are case-insensitive and also count as plain words, so `ARG PATH` or
 * `COPY to /to` parse. The grammar checks each instruction's shape; meaning (substitution,
 * references, ranges) is given to the tokens by the instruction parsers (instructions.ts). `grammar/` diagrams are generated
 * from this parser's productions.
 */
import { createToken, CstParser, Lexer } from './chevrotain.js';
import type { CstNode, IToken, TokenType } from 'chevrotain';

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
/** `--name` or `--name=value` options. */
const Flag = createToken({ name: 'Flag', pattern: /--[A-Za-z][\w-]*(?:=(?:[^\s"']|"(?:[^"\\]|\\[\s\S])*"?|'[^']*'?)*)?/ });
/** Any other run of non-blank text; quotes may contain blanks. */
const Word = createToken({ name: 'Word', pattern: /(?:\$\{[^}]*\}?|[^\s"']|"(?:[^"\\]|\\[\s\S])*"?|'[^']*'?)+/ });

function keyword(name: string): TokenType {
  return createToken({ name, pattern: new RegExp(`${name}(?![^\\s])`, 'i'), categories: [Word], longer_alt: Word });
}

/** Instruction keywords, in the order `cube --help` and the docs list them. */
export const instructionTokens = {
  ARG: keyword('ARG'),
  FROM: keyword('FROM'),
  INJECT: keyword('INJECT'),
  COPY: keyword('COPY'),
  ENV: keyword('ENV'),
  LABEL: keyword('LABEL'),
  WORKDIR: keyword('WORKDIR'),
  USER: keyword('USER'),
  EXPOSE: keyword('EXPOSE'),
  CMD: keyword('CMD'),
  ENTRYPOINT: keyword('ENTRYPOINT'),
  SEAL: keyword('SEAL'),
} as const;

/** Option keywords of INJECT and SEAL. */
export const optionTokens = {
  PATH: keyword('PATH'),
  TO: keyword('TO'),
  PORT: keyword('PORT'),
  ARGS: keyword('ARGS'),
  FIRECRACKER: keyword('FIRECRACKER'),
  SIZE: keyword('SIZE'),
  FREE: keyword('FREE'),
} as const;

const I = instructionTokens;
const O = optionTokens;

/** Every token type, in lexing priority order. */
const allTokens: TokenType[] = [WhiteSpace, Flag, ...Object.values(I), ...Object.values(O), Word];

/** The lexer for one logical line. */
export const lineLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: 'onlyOffset' });

/** The instruction parser. */
class CubefileParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  instruction = this.RULE('instruction', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.argInstruction) },
      { ALT: () => this.SUBRULE(this.fromInstruction) },
      { ALT: () => this.SUBRULE(this.injectInstruction) },
      { ALT: () => this.SUBRULE(this.copyInstruction) },
      { ALT: () => this.SUBRULE(this.envInstruction) },
      { ALT: () => this.SUBRULE(this.labelInstruction) },
      { ALT: () => this.SUBRULE(this.workdirInstruction) },
      { ALT: () => this.SUBRULE(this.userInstruction) },
      { ALT: () => this.SUBRULE(this.exposeInstruction) },
      { ALT: () => this.SUBRULE(this.cmdInstruction) },
      { ALT: () => this.SUBRULE(this.entrypointInstruction) },
      { ALT: () => this.SUBRULE(this.sealInstruction) },
    ]);
  });

  /** `--name[=value]` options after the keyword; which ones an instruction takes is checked by flags.ts. */
  flags = this.RULE('flags', () => {
    this.MANY(() => this.CONSUME(Flag, { LABEL: 'flag' }));
  });

  argInstruction = this.RULE('argInstruction', () => {
    this.CONSUME(I.ARG);
    this.SUBRULE(this.flags);
    this.CONSUME(Word, { LABEL: 'nameAndDefault' });
  });

  fromInstruction = this.RULE('fromInstruction', () => {
    this.CONSUME(I.FROM);
    this.SUBRULE(this.flags);
    this.CONSUME(Word, { LABEL: 'imageRef' });
  });

  injectInstruction = this.RULE('injectInstruction', () => {
    this.CONSUME(I.INJECT);
    this.SUBRULE(this.flags);
    this.CONSUME(Word, { LABEL: 'envd' });
    this.MANY(() =>
      this.OR([
        { ALT: () => (this.CONSUME(O.PATH), this.CONSUME1(Word, { LABEL: 'hostPath' })) },
        { ALT: () => (this.CONSUME(O.TO), this.CONSUME2(Word, { LABEL: 'imagePath' })) },
        { ALT: () => (this.CONSUME(O.PORT), this.CONSUME3(Word, { LABEL: 'port' })) },
        { ALT: () => (this.CONSUME(O.ARGS), this.CONSUME4(Word, { LABEL: 'args' })) },
        { ALT: () => this.CONSUME(O.FIRECRACKER, { LABEL: 'firecracker' }) },
      ]),
    );
  });

  copyInstruction = this.RULE('copyInstruction', () => {
    this.CONSUME(I.COPY);
    this.SUBRULE(this.flags);
    this.AT_LEAST_ONE(() => this.CONSUME(Word, { LABEL: 'sourcesAndDest' }));
  });

  envInstruction = this.RULE('envInstruction', () => {
    this.CONSUME(I.ENV);
    this.SUBRULE(this.flags);
    this.AT_LEAST_ONE(() => this.CONSUME(Word, { LABEL: 'keyEqualsValue' }));
  });

  labelInstruction = this.RULE('labelInstruction', () => {
    this.CONSUME(I.LABEL);
    this.SUBRULE(this.flags);
    this.AT_LEAST_ONE(() => this.CONSUME(Word, { LABEL: 'keyEqualsValue' }));
  });

  workdirInstruction = this.RULE('workdirInstruction', () => {
    this.CONSUME(I.WORKDIR);
    this.SUBRULE(this.flags);
    this.AT_LEAST_ONE(() => this.CONSUME(Word, { LABEL: 'path' }));
  });

  userInstruction = this.RULE('userInstruction', () => {
    this.CONSUME(I.USER);
    this.SUBRULE(this.flags);
    this.CONSUME(Word, { LABEL: 'userAndGroup' });
  });

  exposeInstruction = this.RULE('exposeInstruction', () => {
    this.CONSUME(I.EXPOSE);
    this.SUBRULE(this.flags);
    this.AT_LEAST_ONE(() => this.CONSUME(Word, { LABEL: 'portAndProtocol' }));
  });

  cmdInstruction = this.RULE('cmdInstruction', () => {
    this.CONSUME(I.CMD);
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(Word, { LABEL: 'jsonArrayOrShellCommand' }) }, { ALT: () => this.CONSUME(Flag) }]));
  });

  entrypointInstruction = this.RULE('entrypointInstruction', () => {
    this.CONSUME(I.ENTRYPOINT);
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(Word, { LABEL: 'wrapOrJsonArrayOrShellCommand' }) }, { ALT: () => this.CONSUME(Flag) }]));
  });

  sealInstruction = this.RULE('sealInstruction', () => {
    this.CONSUME(I.SEAL);
    this.SUBRULE(this.flags);
    this.CONSUME(Word, { LABEL: 'ext4' });
    this.MANY(() =>
      this.OR([
        { ALT: () => (this.CONSUME(O.SIZE), this.CONSUME1(Word, { LABEL: 'size' })) },
        { ALT: () => (this.CONSUME(O.FREE), this.CONSUME2(Word, { LABEL: 'free' })) },
        { ALT: () => this.CONSUME3(Word, { LABEL: 'option' }) },
      ]),
    );
  });
}

/** The one parser instance (chevrotain parsers are reusable; `input` resets them). */
export const cubefileParser = new CubefileParser();

/** All tokens below a CST node, in source order, each with the label it was consumed under. */
export function orderedTokens(node: CstNode): { label: string; token: IToken }[] {
  const out: { label: string; token: IToken }[] = [];
  const walk = (n: CstNode): void => {
    for (const [label, children] of Object.entries(n.children)) {
      for (const child of children) {
        if ('image' in child) out.push({ label, token: child });
        else walk(child);
      }
    }
  };
  walk(node);
  return out.sort((a, b) => a.token.startOffset - b.token.startOffset);
}
