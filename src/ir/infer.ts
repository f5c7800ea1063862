import { match } from 'ts-pattern';
import type { Node } from './graph.js';
import type { Tensor } from './tensor.js';
import { type DType, type ValueType, showType, vtype, width } from './types.js';

/** A problem found while inferring a node's type: a rule name and a sentence. */
export interface TypeProblem {
  readonly rule: 'arity' | 'operand' | 'shape' | 'attribute';
  readonly message: string;
}

const REAL: readonly DType[] = ['f32', 'f64'];
const shapeOf = (t: Tensor): string => `[${t.shape.join(',')}]`;

class Fail extends Error {
  constructor(readonly problem: TypeProblem) {
    super(problem.message);
  }
}
const fail = (rule: TypeProblem['rule'], message: string): never => {
  throw new Fail({ rule, message });
};

function arity(node: Node, operands: readonly Operand[], min: number, max = min): void {
  if (operands.length < min || operands.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    fail('arity', `${node.kind} takes ${want} input(s), got ${operands.length}`);
  }
}

function realOperands(node: Node, operands: readonly Operand[]): void {
  for (const op of operands) {
    if (!REAL.includes(op.type.dtype)) {
      fail('operand', `${node.kind} needs real-valued input, but %${op.id} is ${showType(op.type)}`);
    }
  }
}

function vector(name: string, t: Tensor, n: number): void {
  if (t.shape.length !== 1 || t.shape[0] !== n) fail('shape', `${name} has shape ${shapeOf(t)}, expected [${n}]`);
}

function sameWidth(node: Node, operands: readonly Operand[]): number {
  const n = width(operands[0].type);
  for (const op of operands) {
    if (width(op.type) !== n) {
      fail(
        'shape',
        `${node.kind} inputs disagree in width: %${operands[0].id} has ${n}, %${op.id} has ${width(op.type)}`,
      );
    }
  }
  return n;
}

function inputFieldLengths(node: Extract<Node, { dims: number }>): void {
  const d = node.dims;
  if (node.names && node.names.length !== d) fail('shape', `names has ${node.names.length} entries for ${d} dims`);
  if (node.domain) {
    if (node.domain.length !== d) fail('shape', `domain has ${node.domain.length} intervals for ${d} dims`);
    node.domain.forEach(([lo, hi], i) => {
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
        fail('attribute', `domain[${i}] = [${lo}, ${hi}] is not an interval lo < hi`);
    });
  }
  if (node.normalization) {
    const { scale, offset } = node.normalization;
    if (scale.length !== d || offset.length !== d) fail('shape', `normalization needs ${d} scales and offsets`);
  }
}

function denseWeight(name: string, w: Tensor, inWidth: number): number {
  if (w.shape.length !== 2) fail('shape', `${name} has shape ${shapeOf(w)}, expected [out, in]`);
  if (w.shape[1] !== inWidth) fail('shape', `${name} has shape ${shapeOf(w)} but its input has width ${inWidth}`);
  return w.shape[0];
}

/** An input of a node as type inference sees it. */
export interface Operand {
  readonly id: string;
  readonly kind: Node['kind'];
  readonly type: ValueType;
}

/** The result type of `node` given its operands, or the problem that prevents one. */
export function inferType(node: Node, operands: readonly Operand[]): ValueType | TypeProblem {
  try {
    return inferOrThrow(node, operands);
  } catch (e) {
    if (e instanceof Fail) return e.problem;
    throw e;
  }
}

function inferOrThrow(node: Node, ops: readonly Operand[]): ValueType {
  return match(node)
    .with({ kind: 'ann.input' }, (n) => {
      arity(n, ops, 0);
      inputFieldLengths(n);
      return vtype('f32', n.dims);
    })
    .with({ kind: 'ann.dense' }, (n) => {
      arity(n, ops, 1);
      realOperands(n, ops);
      const out = denseWeight('weight', n.weight, width(ops[0].type));
      vector('bias', n.bias, out);
      return vtype('f32', out);
    })
    .with({ kind: 'ann.act' }, (n) => {
      arity(n, ops, 1);
      realOperands(n, ops);
      if (n.fn === 'pwl') {
        const t = n.table ?? fail('attribute', 'fn = "pwl" needs a table of knots');
        if (t.x.length < 2 || t.x.length !== t.y.length)
          fail('attribute', 'a pwl table needs at least two knots and as many y as x');
        for (let i = 1; i < t.x.length; i++)
          if (!(t.x[i] > t.x[i - 1])) fail('attribute', 'pwl knots must be strictly increasing');
        if (![...t.x, ...t.y].every(Number.isFinite)) fail('attribute', 'pwl knots must be finite');
      } else if (n.table) {
        fail('attribute', `a table is only for fn = "pwl", not "${n.fn}"`);
      }
      if (n.range) {
        vector('range.lo', n.range.lo, width(ops[0].type));
        vector('range.hi', n.range.hi, width(ops[0].type));
        n.range.lo.data.forEach((lo, i) => {
          if (!(lo < n.range!.hi.data[i]))
            fail('attribute', `range of channel ${i} is [${lo}, ${n.range!.hi.data[i]}], not lo < hi`);
        });
      }
      return vtype('f32', width(ops[0].type));
    })
    .with({ kind: 'ann.scale' }, (n) => {
      arity(n, ops, 1);
      realOperands(n, ops);
      const w = width(ops[0].type);
      vector('scale', n.scale, w);
      vector('shift', n.shift, w);
      return vtype('f32', w);
    })
    .with({ kind: 'ann.slice' }, (n) => {
      arity(n, ops, 1);
      realOperands(n, ops);
      const w = width(ops[0].type);
      if (!(n.start < n.stop && n.stop <= w))
        fail('shape', `slice [${n.start}:${n.stop}] does not fit an input of width ${w}`);
      return vtype('f32', n.stop - n.start);
    })
    .with({ kind: 'ann.concat' }, (n) => {
      arity(n, ops, 1, Infinity);
      realOperands(n, ops);
      return vtype(
        'f32',
        ops.reduce((s, op) => s + width(op.type), 0),
      );
    })
    .with({ kind: 'ann.product' }, (n) => {
      arity(n, ops, 2, Infinity);
      realOperands(n, ops);
      const w = sameWidth(n, ops);
      if (w % n.rank !== 0) fail('shape', `branch width ${w} is not a multiple of rank ${n.rank}`);
      return vtype('f32', w / n.rank);
    })
    .with({ kind: 'ann.output' }, (n) => {
      arity(n, ops, 1);
      realOperands(n, ops);
      const w = width(ops[0].type);
      if (n.names && n.names.length !== w) fail('shape', `names has ${n.names.length} entries for ${w} outputs`);
      return ops[0].type;
    })
    .with({ kind: 'snn.encoder' }, (n) => {
      arity(n, ops, 0);
      inputFieldLengths(n);
      if (n.mode === 'graded' && n.payloadBits === undefined) fail('attribute', 'mode graded needs payloadBits');
      if (n.mode === 'current' && n.payloadBits !== undefined)
        fail('attribute', 'mode current sends no payload: payloadBits is for graded and delta');
      return vtype(n.mode === 'current' ? 'f32' : 'graded', n.dims + (n.biasChannel === undefined ? 0 : 1));
    })
    .with({ kind: 'snn.synapse' }, (n) => {
      arity(n, ops, 1);
      const senders = ['snn.encoder', 'snn.neurons', 'snn.sigma-delta'];
      if (!senders.includes(ops[0].kind))
        fail('operand', `snn.synapse reads spikes from an ${senders.join(', ')}, not ${ops[0].kind} %${ops[0].id}`);
      const w = n.weight.kind === 'float' ? n.weight.values : n.weight.mantissa;
      const out = denseWeight(n.weight.kind === 'float' ? 'weight' : 'weight mantissa', w, width(ops[0].type));
      return vtype(n.weight.kind === 'float' ? 'f32' : 'i32', out);
    })
    .with({ kind: 'snn.neurons' }, { kind: 'snn.sigma-delta' }, { kind: 'snn.readout' }, (n) => {
      arity(n, ops, 1, Infinity);
      for (const op of ops) {
        if (op.kind !== 'snn.synapse') fail('operand', `${n.kind} is fed by snn.synapse ops, not ${op.kind} %${op.id}`);
      }
      const w = sameWidth(n, ops);
      if (n.origin) {
        for (const f of ['channel', 'offset', 'scale'] as const) vector(`origin.${f}`, n.origin[f], w);
      }
      if (n.kind === 'snn.readout') {
        vector('scale', n.scale, w);
        vector('offset', n.offset, w);
        if (!(n.window[0] < n.window[1])) fail('attribute', `window [${n.window[0]}, ${n.window[1]}) is empty`);
        if (n.decode === 'sigma' && n.window[0] !== 0)
          fail('attribute', `decode sigma sums every change from step 0: window [${n.window[0]}, ...) must start at 0`);
        return vtype('f32', w);
      }
      if (n.kind === 'snn.sigma-delta') {
        vector('bias', n.bias, w);
        return vtype('graded', w);
      }
      vector('bias', n.bias, w);
      vector('initialV', n.initialV, w);
      if (n.openingV) vector('openingV', n.openingV, w);
      const dtype: DType = n.payloadBits > 0 ? 'graded' : n.spikeSign === 'signed' ? 'tspike' : 'spike';
      return vtype(dtype, w);
    })
    .exhaustive();
}

export const isProblem = (x: ValueType | TypeProblem): x is TypeProblem => 'rule' in x;
