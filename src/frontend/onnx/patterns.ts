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
  const producer = new Map<string, OnnxNode>();
  const readers = new Map<string, OnnxNode[]>();
  for (const n of model.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  const outputs = new Set(model.outputs.map((o) => o.name));
  const scalar = (value: string): number | undefined => {
    const c: OnnxConst | undefined =
      model.initializers.get(value) ??
      (producer.get(value)?.opType === 'Constant' ? constantOf(producer.get(value)!) : undefined);
    return c && c.data.length === 1 ? c.data[0] : undefined;
  };
  const near = (v: number | undefined, want: number): boolean =>
    v !== undefined && Math.abs(v - want) <= CONST_TOLERANCE * Math.abs(want);

  /** The one node that reads `value` (nothing else, and not a graph output), of type `op`. */
  const onlyReader = (value: string, op: string, what: string): OnnxNode => {
    const r = readers.get(value) ?? [];
    if (outputs.has(value) || r.length !== 1) miss(`${what} is read ${r.length} times, not once`);
    if (r[0].opType !== op) miss(`${what} goes into ${r[0].opType}, not ${op}`);
    return r[0];
  };
  /** A binary node's operand other than `one`, and whether `one` is one of them. */
  const other = (n: OnnxNode, one: string): string | undefined =>
    n.inputs[0] === one ? n.inputs[1] : n.inputs[1] === one ? n.inputs[0] : undefined;
  /** The constant operand's value and the computed one of a binary node. */
  const split = (n: OnnxNode): { k: number; x: string } | undefined => {
    const [a, b] = n.inputs;
    const [ka, kb] = [scalar(a), scalar(b)];
    if (ka !== undefined && kb === undefined) return { k: ka, x: b };
    if (kb !== undefined && ka === undefined) return { k: kb, x: a };
    return undefined;
  };
  const producedBy = (value: string, op: string): OnnxNode | undefined =>
    producer.get(value)?.opType === op ? producer.get(value) : undefined;

  /**
   * From `inner` = 1 + f(x) (an Add of 1), the products with x and 0.5 that end a GELU: the nodes
   * matched and the last one.
   */
  const tail = (add: OnnxNode, x: string): OnnxNode[] => {
    const m1 = onlyReader(add.outputs[0], 'Mul', `1 + f(x)`);
    const with1 = other(m1, add.outputs[0])!;
    if (with1 === x) {
      const m2 = onlyReader(m1.outputs[0], 'Mul', 'x (1 + f(x))');
      if (!near(split(m2)?.k, 0.5)) miss('x (1 + f(x)) is not multiplied by 0.5');
      return [m1, m2];
    }
    const half = producedBy(with1, 'Mul');
    if (half && split(half)?.x === x && near(split(half)?.k, 0.5)) {
      onlyReader(half.outputs[0], 'Mul', '0.5 x');
      return [half, m1];
    }
    if (near(scalar(with1), 0.5)) {
      const m2 = onlyReader(m1.outputs[0], 'Mul', '0.5 (1 + f(x))');
      if (other(m2, m1.outputs[0]) !== x) miss('0.5 (1 + f(x)) is not multiplied by x');
      return [m1, m2];
    }
    return miss('1 + f(x) is not multiplied by x and 0.5');
  };
  const plusOne = (value: string, what: string): OnnxNode => {
    const add = onlyReader(value, 'Add', what);
    if (!near(split(add)?.k, 1)) miss(`1 is not added to ${what}`);
    return add;
  };

  /** GELU (erf form) around an Erf node: the matched nodes and x. */
  const geluErf = (erf: OnnxNode): { nodes: OnnxNode[]; x: string } => {
    const pre = producer.get(erf.inputs[0]);
    const s = pre && (pre.opType === 'Div' || pre.opType === 'Mul') ? split(pre) : undefined;
    const divides = pre?.opType === 'Div' && pre.inputs[1] !== s?.x;
    if (!pre || !s || !(divides ? near(s.k, Math.SQRT2) : pre.opType === 'Mul' && near(s.k, Math.SQRT1_2)))
      miss("Erf's input is not x / sqrt 2");
    onlyReader(pre!.outputs[0], 'Erf', 'x / sqrt 2');
    const add = plusOne(erf.outputs[0], 'erf(x / sqrt 2)');
    return { nodes: [pre!, erf, add, ...tail(add, s!.x)], x: s!.x };
  };

  /** x^3 of some x, as Pow(x, 3) or x * (x * x): its nodes and x. */
  const cube = (value: string): { nodes: OnnxNode[]; x: string } => {
    const n = producer.get(value);
    if (n?.opType === 'Pow' && near(scalar(n.inputs[1]), 3)) return { nodes: [n], x: n.inputs[0] };
    if (n?.opType === 'Mul') {
      for (const [a, b] of [n.inputs, [...n.inputs].reverse()]) {
        const sq = producedBy(b, 'Mul');
        if (sq && sq.inputs[0] === a && sq.inputs[1] === a) {
          onlyReader(sq.outputs[0], 'Mul', 'x * x');
          return { nodes: [sq, n], x: a };
        }
      }
    }
    return miss('no x^3 (Pow(x, 3) or x * (x * x)) inside the tanh');
  };

  /** GELU (tanh form) around a Tanh of sqrt(2/pi) times something: the matched nodes and x. */
  const geluTanh = (tanh: OnnxNode): { nodes: OnnxNode[]; x: string } => {
    const scaled = producedBy(tanh.inputs[0], 'Mul')!;
    const inner = producedBy(split(scaled)!.x, 'Add') ?? miss('the tanh is not of sqrt(2/pi) (x + 0.044715 x^3)');
    onlyReader(inner.outputs[0], 'Mul', 'x + 0.044715 x^3');
    for (const [x, term] of [inner.inputs, [...inner.inputs].reverse()]) {
      const cubic = producedBy(term, 'Mul');
      const c = cubic && split(cubic);
      if (!c || !near(c.k, GELU_TANH.cubic)) continue;
      const x3 = cube(c.x);
      if (x3.x !== x) miss('the cubic term is not of the same x');
      onlyReader(x3.nodes.at(-1)!.outputs[0], 'Mul', 'x^3');
      onlyReader(cubic.outputs[0], 'Add', '0.044715 x^3');
      onlyReader(scaled.outputs[0], 'Tanh', 'sqrt(2/pi) (x + 0.044715 x^3)');
      const add = plusOne(tanh.outputs[0], 'tanh(...)');
      return { nodes: [...x3.nodes, cubic, inner, scaled, tanh, add, ...tail(add, x)], x };
    }
    return miss('the tanh is not of sqrt(2/pi) (x + 0.044715 x^3)');
  };
  /** A Tanh whose input is sqrt(2/pi) times something: a GELU candidate. */
  const looksLikeGeluTanh = (n: OnnxNode): boolean => {
    const scaled = producedBy(n.inputs[0], 'Mul');
    const s = scaled && split(scaled);
    return Boolean(s && near(s.k, GELU_TANH.scale));
  };

  /** `n`, the nodes up to `up` steps before it and up to `down` steps after it. */
  const around = (n: OnnxNode, up: number, down: number): Set<OnnxNode> => {
    const seen = new Set<OnnxNode>([n]);
    const walk = (m: OnnxNode, steps: number, next: (m: OnnxNode) => OnnxNode[]): void => {
      if (steps === 0) return;
      for (const k of next(m)) {
        if (k.opType === 'Constant' || seen.has(k)) continue;
        seen.add(k);
        walk(k, steps - 1, next);
      }
    };
    walk(n, up, (m) => m.inputs.flatMap((i) => producer.get(i) ?? []));
    walk(n, down, (m) => m.outputs.flatMap((o) => readers.get(o) ?? []));
    return seen;
  };

  const fused = new Map<string, OnnxNode>(); // by the name of the last node of its match
  const gone = new Set<string>();
  const hints = new Map<string, string>();
  for (const n of model.nodes) {
    const kind = n.opType === 'Erf' ? 'none' : n.opType === 'Tanh' && looksLikeGeluTanh(n) ? 'tanh' : undefined;
    if (!kind) continue;
    const form = kind === 'none' ? GELU_FORM : GELU_TANH_FORM;
    try {
      const { nodes, x } = kind === 'none' ? geluErf(n) : geluTanh(n);
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
      for (const m of around(n, kind === 'none' ? 1 : 4, 3)) if (!hints.has(m.name)) hints.set(m.name, hint);
    }
  }
  return {
    nodes: model.nodes.filter((n) => !gone.has(n.name)).map((n) => fused.get(n.name) ?? n),
    hints,
  };
}
