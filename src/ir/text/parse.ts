import { IrError } from '../errors.js';
import { type Graph, NODE_KINDS, Node, type NodeKind } from '../graph.js';
import { type Tensor, TensorDType, numel } from '../tensor.js';
import { DType, type ValueType } from '../types.js';
import { type Token, tokenize } from './lexer.js';

const MAX_DEPTH = 64;

/** Parses the textual IR printed by printGraph (with weights) back into a graph. Does not verify it. */
export function parseGraph(src: string, file = '<text>'): Graph {
  return new Parser(tokenize(src, file), file).graph();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly file: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private fail(message: string, at: Token = this.peek()): never {
    throw new IrError(message, `${this.file}:${at.line}:${at.col}`);
  }

  private describe(t: Token): string {
    return t.kind === 'eof' ? 'the end of the file' : t.kind === 'name' ? `'%${t.text}'` : `'${t.text}'`;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private expectPunct(p: string, what?: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p)
      this.fail(`expected '${p}'${what ? ` ${what}` : ''}, found ${this.describe(t)}`, t);
    return t;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const t = this.next();
    if (t.kind !== kind) this.fail(`expected ${what}, found ${this.describe(t)}`, t);
    return t;
  }

  private keyword(word: string): void {
    const t = this.next();
    if (t.kind !== 'ident' || t.text !== word) this.fail(`expected '${word}', found ${this.describe(t)}`, t);
  }

  graph(): Graph {
    this.keyword('graph');
    const name = this.expect('string', 'the graph name as a string').text;
    this.expectPunct('{', 'to open the graph body');
    const nodes: Node[] = [];
    while (!this.isPunct('}')) {
      if (this.peek().kind === 'eof') this.fail("the graph body is not closed with '}'");
      nodes.push(this.node());
    }
    this.next();
    const end = this.peek();
    if (end.kind !== 'eof') this.fail(`unexpected ${this.describe(end)} after the graph`, end);
    return { name, nodes };
  }

  private node(): Node {
    const start = this.expect('name', "a node definition '%name = op(...)'");
    this.expectPunct('=');
    const kindTok = this.expect('ident', 'an op name such as ann.dense');
    if (!(NODE_KINDS as readonly string[]).includes(kindTok.text)) {
      this.fail(`unknown op '${kindTok.text}' (known: ${NODE_KINDS.join(', ')})`, kindTok);
    }
    const kind = kindTok.text as NodeKind;
    this.expectPunct('(', 'before the op inputs');
    const inputs: string[] = [];
    while (!this.isPunct(')')) {
      if (inputs.length) this.expectPunct(',', 'between inputs');
      inputs.push(this.expect('name', 'an input %name').text);
    }
    this.next();
    const attrs = this.isPunct('{') ? this.dict() : {};
    this.expectPunct(':', 'before the result type');
    const type = this.valueType();
    const t = this.peek();
    const loc = t.kind === 'ident' && t.text === 'loc' ? (this.next(), this.dict()) : undefined;
    const parsed = Node.safeParse({ ...attrs, kind, id: start.text, inputs, type, ...(loc ? { loc } : {}) });
    if (!parsed.success) {
      const msgs = parsed.error.issues.map((i) => `${i.path.join('.') || 'node'}: ${i.message}`);
      this.fail(`%${start.text} (${kind}) has bad attributes: ${msgs.join('; ')}`, start);
    }
    return parsed.data;
  }

  private valueType(): ValueType {
    const t = this.expect('ident', 'a type such as f32[32]');
    const dtype = DType.safeParse(t.text);
    if (!dtype.success) this.fail(`unknown element type '${t.text}' (known: ${DType.options.join(', ')})`, t);
    return { dtype: dtype.data, shape: this.dims() };
  }

  private dims(): number[] {
    this.expectPunct('[', 'to open the shape');
    const dims: number[] = [];
    while (!this.isPunct(']')) {
      if (dims.length) this.expectPunct(',', 'between dimensions');
      const d = this.expect('number', 'a dimension');
      if (!Number.isInteger(d.value) || d.value! < 0) this.fail(`dimension ${d.text} is not a non-negative integer`, d);
      dims.push(d.value!);
    }
    this.next();
    return dims;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`attributes nest deeper than ${MAX_DEPTH} levels`);
  }

  private dict(): Record<string, unknown> {
    this.enter();
    this.expectPunct('{');
    const out: Record<string, unknown> = {};
    while (!this.isPunct('}')) {
      if (Object.keys(out).length) this.expectPunct(',', 'between attributes');
      const key = this.expect('ident', 'an attribute name');
      if (key.text in out) this.fail(`attribute '${key.text}' is given twice`, key);
      this.expectPunct('=', `after '${key.text}'`);
      out[key.text] = this.value();
    }
    this.next();
    this.depth--;
    return out;
  }

  private value(): unknown {
    const t = this.peek();
    if (t.kind === 'number') return this.next().value;
    if (t.kind === 'string') return this.next().text;
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return this.next().text === 'true';
    if (t.kind === 'ident' && t.text === 'tensor') return this.tensor();
    if (this.isPunct('{')) return this.dict();
    if (this.isPunct('[')) {
      this.enter();
      this.next();
      const items: unknown[] = [];
      while (!this.isPunct(']')) {
        if (items.length) this.expectPunct(',', 'between list items');
        items.push(this.value());
      }
      this.next();
      this.depth--;
      return items;
    }
    return this.fail(`expected an attribute value, found ${this.describe(t)}`);
  }

  private tensor(): Tensor {
    const start = this.next();
    this.expectPunct('<', "after 'tensor'");
    const dt = this.expect('ident', 'a tensor element type');
    const dtype = TensorDType.safeParse(dt.text);
    if (!dtype.success)
      this.fail(`unknown tensor element type '${dt.text}' (known: ${TensorDType.options.join(', ')})`, dt);
    const shape = this.dims();
    this.expectPunct('>', 'to close the tensor type');
    const t = this.peek();
    if (t.kind === 'ident' && t.text === 'elided') {
      this.fail(
        'this tensor was summarised when the IR was printed; print it with --weights to get text that parses back',
        t,
      );
    }
    this.expectPunct('[', 'to open the tensor values');
    const data: number[] = [];
    while (!this.isPunct(']')) {
      if (data.length) this.expectPunct(',', 'between tensor values');
      const v = this.expect('number', 'a number').value!;
      data.push(dtype.data === 'f32' ? Math.fround(v) : v);
    }
    this.next();
    if (data.length !== numel(shape)) {
      this.fail(`tensor<${dt.text}[${shape.join(',')}]> needs ${numel(shape)} values, found ${data.length}`, start);
    }
    return { dtype: dtype.data, shape, data };
  }
}
