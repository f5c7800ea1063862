import { IrError } from '../errors.js';

export type TokenKind = 'ident' | 'name' | 'string' | 'number' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Identifier text, node name without '%', decoded string, or punctuation. */
  readonly text: string;
  readonly value?: number;
  readonly line: number;
  readonly col: number;
}

const PUNCT = new Set(['(', ')', '[', ']', '{', '}', '<', '>', '=', ',', ':']);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.-]/;
const NAME_PART = /[A-Za-z0-9_.-]/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

/** Splits textual IR into tokens; `//` starts a comment that runs to the end of the line. */
export function tokenize(src: string, file = '<text>'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (msg: string): never => {
    throw new IrError(msg, `${file}:${line}:${i - lineStart + 1}`);
  };
  while (i < src.length) {
    const c = src[i];
    const col = i - lineStart + 1;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, line, col });
      i++;
    } else if (c === '%') {
      let j = i + 1;
      while (j < src.length && NAME_PART.test(src[j])) j++;
      if (j === i + 1) err("'%' must be followed by a node name");
      tokens.push({ kind: 'name', text: src.slice(i + 1, j), line, col });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      if (src[j] !== '"') err('unterminated string');
      let text: string;
      try {
        text = JSON.parse(src.slice(i, j + 1)) as string;
      } catch {
        return err(`bad escape in string ${src.slice(i, j + 1)}`);
      }
      tokens.push({ kind: 'string', text, line, col });
      i = j + 1;
    } else if (/[-0-9.]/.test(c)) {
      const m = NUMBER.exec(src.slice(i, i + 64));
      if (m) {
        tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), line, col });
        i += m[0].length;
      } else if (src.startsWith('-inf', i)) {
        tokens.push({ kind: 'number', text: '-inf', value: -Infinity, line, col });
        i += 4;
      } else {
        err(`unexpected character '${c}'`);
      }
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j])) j++;
      const text = src.slice(i, j);
      if (text === 'inf' || text === 'nan') {
        tokens.push({ kind: 'number', text, value: text === 'inf' ? Infinity : NaN, line, col });
      } else {
        tokens.push({ kind: 'ident', text, line, col });
      }
      i = j;
    } else {
      err(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: 'eof', text: '<end of file>', line, col: i - lineStart + 1 });
  return tokens;
}
