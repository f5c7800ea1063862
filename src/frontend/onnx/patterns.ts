import { GELU_TANH } from '../../ir/index.js';
import { type OnnxAttr, type OnnxConst, type OnnxModel, type OnnxNode, constantOf } from './decode.js';

/**
 * Activations that exporters write as several ONNX ops, recognised and fused into the one op that
 * newer opsets have, before lowering (tinygrad-style rewrite rules on the node list):
 *
 *   GELU      0.5 x (1 + Erf(x / sqrt 2))                                  -> Gelu
 *   GELU tanh 0.5 x (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3)))              -> Gelu {approximate = "tanh"}
 *
 * as PyTorch's exporter (opset < 20) and Keras write them: the two products in either order and
 * association, constants on either side, x^3 as Pow(x, 3) or x * (x * x), / sqrt 2 or * (1 / sqrt 2).
 * Every value inside a match must be read only inside it. An Erf, or a Tanh of sqrt(2/pi) times
 * something, that does not complete a match leaves a hint on the nodes it did match, which the
 * lowering adds to their error: the user reads "GELU", not "Add of two computed values".
 */
export interface FusedModel {
  readonly nodes: readonly OnnxNode[];
  /** Per node name: what a partial GELU match there found wrong. */
  readonly hints: ReadonlyMap<string, string>;
}

/** Relative tolerance on an exporter's float32 constants. */
const CONST_TOLERANCE = 1e-6;

const GELU_FORM = '0.5 x (1 + erf(x / sqrt 2))';
const GELU_TANH_FORM = '0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))';

class NoMatch extends Error {}
const miss = (why: string): never => {
  throw new NoMatch(why);
};

/** Fuses the GELU patterns of a decoded model's nodes (see FusedModel). */
export function fusePatterns(model: OnnxModel): FusedModel {
  return new GeluMatcher(model).fuse();
}

/** The GELU rewrite rules over one model's nodes: its value graph, and a matcher per form. */
class GeluMatcher {
  private readonly producer = new Map<string, OnnxNode>();
  private readonly readers = new Map<string, OnnxNode[]>();
  private readonly outputs: Set<string>;

  constructor(private readonly model: OnnxModel) {
    for (const n of model.nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of n.inputs) if (i) this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
    }
    this.outputs = new Set(model.outputs.map((o) => o.name));
  }

  private scalar(value: string): number | undefined {
    const c: OnnxConst | undefined =
      this.model.initializers.get(value) ??
      (this.producer.get(value)?.opType === 'Constant' ? constantOf(this.producer.get(value)!) : undefined);
    return c && c.data.length === 1 ? c.data[0] : undefined;
  }
  private near(v: number | undefined, want: number): boolean {
    return v !== undefined && Math.abs(v - want) <= CONST_TOLERANCE * Math.abs(want);
  }

  /** The one node that reads `value` (nothing else, and not a graph output), of type `op`. */
  private onlyReader(value: string, op: string, what: string): OnnxNode {
    const r = this.readers.get(value) ?? [];
    if (this.outputs.has(value) || r.length !== 1) miss(`${what} is read ${r.length} times, not once`);
    if (r[0].opType !== op) miss(`${what} goes into ${r[0].opType}, not ${op}`);
    return r[0];
  }
  /** A binary node's operand this.other than `one`, and whether `one` is one of them. */
  private other(n: OnnxNode, one: string): string | undefined {
    return n.inputs[0] === one ? n.inputs[1] : n.inputs[1] === one ? n.inputs[0] : undefined;
  }
  /** The constant operand's value and the computed one of a binary node. */
  private split(n: OnnxNode): { k: number; x: string } | undefined {
    const [a, b] = n.inputs;
    const [ka, kb] = [this.scalar(a), this.scalar(b)];
    if (ka !== undefined && kb === undefined) return { k: ka, x: b };
    if (kb !== undefined && ka === undefined) return { k: kb, x: a };
    return undefined;
  }
  private producedBy(value: string, op: string): OnnxNode | undefined {
    return this.producer.get(value)?.opType === op ? this.producer.get(value) : undefined;
  }

  /**
   * From `inner` = 1 + f(x) (an Add of 1), the products with x and 0.5 that end a GELU: the nodes
   * matched and the last one.
   */
  private tail(add: OnnxNode, x: string): OnnxNode[] {
    const m1 = this.onlyReader(add.outputs[0], 'Mul', `1 + f(x)`);
    const with1 = this.other(m1, add.outputs[0])!;
    if (with1 === x) {
      const m2 = this.onlyReader(m1.outputs[0], 'Mul', 'x (1 + f(x))');
      if (!this.near(this.split(m2)?.k, 0.5)) miss('x (1 + f(x)) is not multiplied by 0.5');
      return [m1, m2];
    }
    const half = this.producedBy(with1, 'Mul');
    if (half && this.split(half)?.x === x && this.near(this.split(half)?.k, 0.5)) {
      this.onlyReader(half.outputs[0], 'Mul', '0.5 x');
      return [half, m1];
    }
    if (this.near(this.scalar(with1), 0.5)) {
      const m2 = this.onlyReader(m1.outputs[0], 'Mul', '0.5 (1 + f(x))');
      if (this.other(m2, m1.outputs[0]) !== x) miss('0.5 (1 + f(x)) is not multiplied by x');
      return [m1, m2];
    }
    return miss('1 + f(x) is not multiplied by x and 0.5');
  }
  private plusOne(value: string, what: string): OnnxNode {
    const add = this.onlyReader(value, 'Add', what);
    if (!this.near(this.split(add)?.k, 1)) miss(`1 is not added to ${what}`);
    return add;
  }

  /** GELU (erf form) this.around an Erf node: the matched nodes and x. */
  private geluErf(erf: OnnxNode): { nodes: OnnxNode[]; x: string } {
    const pre = this.producer.get(erf.inputs[0]);
    const s = pre && (pre.opType === 'Div' || pre.opType === 'Mul') ? this.split(pre) : undefined;
    const divides = pre?.opType === 'Div' && pre.inputs[1] !== s?.x;
    if (!pre || !s || !(divides ? this.near(s.k, Math.SQRT2) : pre.opType === 'Mul' && this.near(s.k, Math.SQRT1_2)))
      miss("Erf's input is not x / sqrt 2");
    this.onlyReader(pre!.outputs[0], 'Erf', 'x / sqrt 2');
    const add = this.plusOne(erf.outputs[0], 'erf(x / sqrt 2)');
    return { nodes: [pre!, erf, add, ...this.tail(add, s!.x)], x: s!.x };
  }

  /** x^3 of some x, as Pow(x, 3) or x * (x * x): its nodes and x. */
  private cube(value: string): { nodes: OnnxNode[]; x: string } {
    const n = this.producer.get(value);
    if (n?.opType === 'Pow' && this.near(this.scalar(n.inputs[1]), 3)) return { nodes: [n], x: n.inputs[0] };
    if (n?.opType === 'Mul') {
      for (const [a, b] of [n.inputs, [...n.inputs].reverse()]) {
        const sq = this.producedBy(b, 'Mul');
        if (sq && sq.inputs[0] === a && sq.inputs[1] === a) {
          this.onlyReader(sq.outputs[0], 'Mul', 'x * x');
          return { nodes: [sq, n], x: a };
        }
      }
    }
    return miss('no x^3 (Pow(x, 3) or x * (x * x)) inside the tanh');
  }

  /** GELU (tanh form) this.around a Tanh of sqrt(2/pi) times something: the matched nodes and x. */
  private geluTanh(tanh: OnnxNode): { nodes: OnnxNode[]; x: string } {
    const scaled = this.producedBy(tanh.inputs[0], 'Mul')!;
    const inner =
      this.producedBy(this.split(scaled)!.x, 'Add') ?? miss('the tanh is not of sqrt(2/pi) (x + 0.044715 x^3)');
    this.onlyReader(inner.outputs[0], 'Mul', 'x + 0.044715 x^3');
    for (const [x, term] of [inner.inputs, [...inner.inputs].reverse()]) {
      const cubic = this.producedBy(term, 'Mul');
      const c = cubic && this.split(cubic);
      if (!c || !this.near(c.k, GELU_TANH.cubic)) continue;
      const x3 = this.cube(c.x);
      if (x3.x !== x) miss('the cubic term is not of the same x');
      this.onlyReader(x3.nodes.at(-1)!.outputs[0], 'Mul', 'x^3');
      this.onlyReader(cubic.outputs[0], 'Add', '0.044715 x^3');
      this.onlyReader(scaled.outputs[0], 'Tanh', 'sqrt(2/pi) (x + 0.044715 x^3)');
      const add = this.plusOne(tanh.outputs[0], 'tanh(...)');
      return { nodes: [...x3.nodes, cubic, inner, scaled, tanh, add, ...this.tail(add, x)], x };
    }
    return miss('the tanh is not of sqrt(2/pi) (x + 0.044715 x^3)');
  }
  /** A Tanh whose input is sqrt(2/pi) times something: a GELU candidate. */
  private looksLikeGeluTanh(n: OnnxNode): boolean {
    const scaled = this.producedBy(n.inputs[0], 'Mul');
    const s = scaled && this.split(scaled);
    return Boolean(s && this.near(s.k, GELU_TANH.scale));
  }

  /** `n`, the nodes up to `up` steps before it and up to `down` steps after it. */
  private around(n: OnnxNode, up: number, down: number): Set<OnnxNode> {
    const seen = new Set<OnnxNode>([n]);
    const walk = (m: OnnxNode, steps: number, next: (m: OnnxNode) => OnnxNode[]): void => {
      if (steps === 0) return;
      for (const k of next(m)) {
        if (k.opType === 'Constant' || seen.has(k)) continue;
        seen.add(k);
        walk(k, steps - 1, next);
      }
    };
    walk(n, up, (m) => m.inputs.flatMap((i) => this.producer.get(i) ?? []));
    walk(n, down, (m) => m.outputs.flatMap((o) => this.readers.get(o) ?? []));
    return seen;
  }

  /** Every match fused into one Gelu node; every near miss a hint on the nodes around it. */
  fuse(): FusedModel {
    const model = this.model;
    const fused = new Map<string, OnnxNode>(); // by the name of the last node of its match
    const gone = new Set<string>();
    const hints = new Map<string, string>();
    for (const n of model.nodes) {
      const kind = n.opType === 'Erf' ? 'none' : n.opType === 'Tanh' && this.looksLikeGeluTanh(n) ? 'tanh' : undefined;
      if (!kind) continue;
      const form = kind === 'none' ? GELU_FORM : GELU_TANH_FORM;
      try {
        const { nodes, x } = kind === 'none' ? this.geluErf(n) : this.geluTanh(n);
        const last = nodes.at(-1)!;
        const prefix = n.name.includes('/') ? n.name.slice(0, n.name.lastIndexOf('/') + 1) : `${n.name}_`;
        const approximate: OnnxAttr = { name: 'approximate', s: kind };
        fused.set(last.name, {
          name: `${prefix}Gelu`,
          opType: 'Gelu',
          domain: '',
          inputs: [x],
          outputs: last.outputs,
          attrs: new Map([['approximate', approximate]]),
        });
        for (const m of nodes) if (m !== last) gone.add(m.name);
      } catch (e) {
        if (!(e instanceof NoMatch)) throw e;
        const hint = `it looks like part of a GELU, but not ${form}: ${e.message}`;
        for (const m of this.around(n, kind === 'none' ? 1 : 4, 3)) if (!hints.has(m.name)) hints.set(m.name, hint);
      }
    }
    return {
      nodes: model.nodes.filter((n) => !gone.has(n.name)).map((n) => fused.get(n.name) ?? n),
      hints,
    };
  }
}
