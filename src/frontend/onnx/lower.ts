import { type ActivationFn, type Graph, GraphBuilder, IrError, f32, verify } from '../../ir/index.js';
import { ProblemList } from '../errors.js';
import { type OnnxConst, type OnnxModel, type OnnxNode, constantOf } from './decode.js';
import { fusePatterns } from './patterns.js';

/**
 * What an ONNX value is while lowering. Linear and elementwise-affine results stay lazy until
 * something non-affine reads them, so MatMul + Add, Gemm + Mul-by-constant and the like fold into
 * one ann.dense, and Mul of branches followed by ReduceSum becomes one ann.product.
 */
type Sym =
  | { readonly kind: 'const'; readonly value: OnnxConst }
  | { readonly kind: 'act'; readonly id: string; readonly width: number }
  | {
      readonly kind: 'linear';
      readonly input: string;
      readonly inWidth: number;
      readonly width: number;
      readonly weight: readonly number[];
      readonly bias: readonly number[];
      readonly name: string;
    }
  | {
      readonly kind: 'scale';
      readonly input: string;
      readonly width: number;
      readonly scale: readonly number[];
      readonly shift: readonly number[];
      readonly name: string;
    }
  | { readonly kind: 'product'; readonly inputs: readonly string[]; readonly width: number; readonly name: string }
  | { readonly kind: 'poison' };

class NodeFail extends Error {}
const fail = (message: string): never => {
  throw new NodeFail(message);
};

interface Ctx {
  readonly b: GraphBuilder;
  readonly node: OnnxNode;
  readonly opset: number;
  /** How many nodes (and graph outputs) read each value. */
  readonly uses: ReadonlyMap<string, number>;
  sym(index: number): Sym;
  /** The input as a materialised IR node id (lazy values become ann.dense / ann.scale / ann.product). */
  act(index: number): { id: string; width: number };
  constant(index: number, what: string): OnnxConst;
  optionalConstant(index: number, what: string): OnnxConst | undefined;
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  ints(name: string): readonly number[] | undefined;
}

type Rule = (ctx: Ctx) => Sym;

const ACTIVATIONS = { Tanh: 'tanh', Sin: 'sin', Sigmoid: 'sigmoid', Softplus: 'softplus', Relu: 'relu' } as const;

/** Broadcasts a constant of shape [], [1], [w] or [1, w] over a feature vector of width w. */
function broadcast(c: OnnxConst, width: number, what: string): number[] {
  const n = c.data.length;
  const dimsOk = c.dims.length <= 1 || (c.dims.length === 2 && c.dims[0] === 1);
  if (!dimsOk || (n !== 1 && n !== width))
    fail(`${what} of shape [${c.dims.join(',')}] does not broadcast over ${width} features`);
  return Array.from({ length: width }, (_, i) => c.data[n === 1 ? 0 : i]);
}

function featureAxis(axis: number, what: string): void {
  if (axis !== 1 && axis !== -1)
    fail(`${what} works on axis ${axis}; spikec handles the feature axis (1 or -1) of a [batch, features] value`);
}

function elementwise(ctx: Ctx, op: 'Add' | 'Sub' | 'Mul' | 'Div'): Sym {
  const [a, c] = [ctx.sym(0), ctx.sym(1)];
  if (a.kind === 'poison' || c.kind === 'poison') return { kind: 'poison' };
  if (op === 'Mul' && a.kind !== 'const' && c.kind !== 'const') return multiplyBranches(ctx);
  if (a.kind === 'const' && c.kind === 'const') fail(`${op} of two constants is not supported (fold it before export)`);
  if (a.kind !== 'const' && c.kind !== 'const')
    fail(`${op} of two computed values is not supported; spikec handles ${op} by a constant`);
  const xIndex = a.kind === 'const' ? 1 : 0;
  const x = ctx.sym(xIndex);
  const k = ctx.constant(1 - xIndex, `${op} operand`);
  const w = widthOf(x);
  const kv = broadcast(k, w, `the ${op} constant`);
  let scale: number[];
  let shift: number[];
  if (op === 'Add') [scale, shift] = [kv.map(() => 1), kv];
  else if (op === 'Mul') [scale, shift] = [kv, kv.map(() => 0)];
  else if (op === 'Sub') [scale, shift] = xIndex === 0 ? [kv.map(() => 1), kv.map((v) => -v)] : [kv.map(() => -1), kv];
  else {
    if (xIndex === 1)
      fail('Div of a constant by a computed value is not affine; spikec handles division by a constant');
    if (kv.some((v) => v === 0)) fail('Div by a constant that holds a zero');
    [scale, shift] = [kv.map((v) => 1 / v), kv.map(() => 0)];
  }
  return affine(ctx, xIndex, scale, shift);
}

function widthOf(s: Sym): number {
  if (s.kind === 'const' || s.kind === 'poison') return fail('expected a computed value');
  return s.width;
}

/** y = x * scale + shift, folded into a lazy linear or scale when this node is its only reader. */
function affine(ctx: Ctx, xIndex: number, scale: readonly number[], shift: readonly number[]): Sym {
  const x = ctx.sym(xIndex);
  const only = ctx.uses.get(ctx.node.inputs[xIndex]) === 1;
  if (only && x.kind === 'linear') {
    const weight = x.weight.map((v, i) => v * scale[Math.floor(i / x.inWidth)]);
    return { ...x, weight, bias: x.bias.map((v, i) => v * scale[i] + shift[i]) };
  }
  if (only && x.kind === 'scale') {
    return { ...x, scale: x.scale.map((s, i) => s * scale[i]), shift: x.shift.map((s, i) => s * scale[i] + shift[i]) };
  }
  const { id, width } = ctx.act(xIndex);
  return { kind: 'scale', input: id, width, scale, shift, name: ctx.node.name };
}

/** Mul of two computed values: SiLU when one is the sigmoid of the other, else an elementwise product. */
function multiplyBranches(ctx: Ctx): Sym {
  const a = ctx.act(0);
  const c = ctx.act(1);
  for (const [x, s] of [
    [a, c],
    [c, a],
  ]) {
    const n = ctx.b.get(s.id);
    if (n.kind === 'ann.act' && n.fn === 'sigmoid' && n.inputs[0] === x.id) {
      return {
        kind: 'act',
        id: ctx.b.add({ kind: 'ann.act', id: ctx.node.name, inputs: [x.id], fn: 'silu' }),
        width: x.width,
      };
    }
  }
  if (a.width !== c.width) fail(`Mul of values of widths ${a.width} and ${c.width}`);
  const parts = [0, 1].flatMap((i) => {
    const s = ctx.sym(i);
    return s.kind === 'product' && ctx.uses.get(ctx.node.inputs[i]) === 1 ? s.inputs : [ctx.act(i).id];
  });
  return { kind: 'product', inputs: parts, width: a.width, name: ctx.node.name };
}

function reduceSum(ctx: Ctx): Sym {
  const axes = ctx.opset >= 13 ? ctx.optionalConstant(1, 'axes')?.data : ctx.ints('axes');
  if (!axes || axes.length !== 1) fail('ReduceSum must reduce exactly the feature axis');
  featureAxis(axes![0], 'ReduceSum');
  const x = ctx.sym(0);
  if (x.kind === 'product' && ctx.uses.get(ctx.node.inputs[0]) === 1) {
    const id = ctx.b.add({ kind: 'ann.product', id: ctx.node.name, inputs: [...x.inputs], rank: x.width });
    return { kind: 'act', id, width: 1 };
  }
  const { id, width } = ctx.act(0);
  return {
    kind: 'linear',
    input: id,
    inWidth: width,
    width: 1,
    weight: Array(width).fill(1),
    bias: [0],
    name: ctx.node.name,
  };
}

function gemm(ctx: Ctx): Sym {
  if (ctx.int('transA', 0) !== 0) fail('transA = 1 is not supported');
  const x = ctx.act(0);
  const B = ctx.constant(1, 'weight B');
  const C = ctx.optionalConstant(2, 'bias C');
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const transB = ctx.int('transB', 0) === 1;
  if (B.dims.length !== 2) fail(`weight B has shape [${B.dims.join(',')}], expected a matrix`);
  const [rows, cols] = B.dims;
  const [out, inW] = transB ? [rows, cols] : [cols, rows];
  if (inW !== x.width)
    fail(`weight B has shape [${B.dims.join(',')}] (transB = ${transB ? 1 : 0}) but its input has ${x.width} features`);
  const weight = Array.from({ length: out * inW }, (_, k) => {
    const [o, i] = [Math.floor(k / inW), k % inW];
    return alpha * (transB ? B.data[o * cols + i] : B.data[i * cols + o]);
  });
  const bias = C ? broadcast(C, out, 'bias C').map((v) => beta * v) : Array(out).fill(0);
  return { kind: 'linear', input: x.id, inWidth: inW, width: out, weight, bias, name: ctx.node.name };
}

function matmul(ctx: Ctx): Sym {
  const x = ctx.act(0);
  const B = ctx.constant(1, 'weight');
  if (B.dims.length !== 2 || B.dims[0] !== x.width)
    fail(`weight of shape [${B.dims.join(',')}] does not multiply ${x.width} features`);
  const [inW, out] = B.dims;
  const weight = Array.from({ length: out * inW }, (_, k) => B.data[(k % inW) * out + Math.floor(k / inW)]);
  return {
    kind: 'linear',
    input: x.id,
    inWidth: inW,
    width: out,
    weight,
    bias: Array(out).fill(0),
    name: ctx.node.name,
  };
}

function slice(ctx: Ctx): Sym {
  const x = ctx.act(0);
  const get = (i: number, attr: string): readonly number[] | undefined =>
    ctx.opset >= 10 ? ctx.optionalConstant(i, attr)?.data : ctx.ints(attr);
  const starts = get(1, 'starts') ?? fail('Slice needs starts');
  const ends = get(2, 'ends') ?? fail('Slice needs ends');
  const axes = get(3, 'axes') ?? starts.map((_, i) => i);
  const steps = get(4, 'steps') ?? starts.map(() => 1);
  let [lo, hi] = [0, x.width];
  axes.forEach((axis, k) => {
    if (steps[k] !== 1) fail(`Slice with step ${steps[k]} is not supported`);
    if (axis === 0) {
      if (starts[k] !== 0 || ends[k] < 2 ** 31 - 1) fail('Slice along the batch axis is not supported');
      return;
    }
    featureAxis(axis, 'Slice');
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + x.width : v, 0), x.width);
    [lo, hi] = [clamp(starts[k]), clamp(ends[k])];
  });
  if (lo === 0 && hi === x.width) return ctx.sym(0);
  if (lo >= hi) fail(`Slice [${lo}:${hi}] is empty`);
  return {
    kind: 'act',
    id: ctx.b.add({ kind: 'ann.slice', id: ctx.node.name, inputs: [x.id], start: lo, stop: hi }),
    width: hi - lo,
  };
}

function reshape(ctx: Ctx): Sym {
  const x = ctx.sym(0);
  const shape = ctx.constant(1, 'shape').data;
  const w = widthOf(x);
  const ok =
    (shape.length === 2 && (shape[1] === w || (shape[1] === -1 && shape[0] !== -1))) || (shape.length === 1 && w === 1);
  if (!ok || (shape.length === 2 && shape[0] > 0 && shape[1] === -1)) {
    fail(`Reshape to [${shape.join(',')}] changes more than the batch shape of a [batch, ${w}] value`);
  }
  return x;
}

function constantNode(ctx: Ctx): Sym {
  const value = constantOf(ctx.node);
  return value ? { kind: 'const', value } : fail('Constant without a numeric value');
}

const passThrough: Rule = (ctx) => ctx.sym(0);

/** The lowering rules, one per ONNX op type. */
const RULES: Record<string, Rule> = {
  Gemm: gemm,
  MatMul: matmul,
  Add: (ctx) => elementwise(ctx, 'Add'),
  Sub: (ctx) => elementwise(ctx, 'Sub'),
  Mul: (ctx) => elementwise(ctx, 'Mul'),
  Div: (ctx) => elementwise(ctx, 'Div'),
  ReduceSum: reduceSum,
  Slice: slice,
  Reshape: reshape,
  Flatten: (ctx) => {
    if (ctx.int('axis', 1) !== 1) fail('Flatten with axis other than 1 is not supported');
    return ctx.sym(0);
  },
  Identity: passThrough,
  Dropout: passThrough,
  Constant: constantNode,
  Concat: (ctx) => {
    featureAxis(ctx.int('axis', 0), 'Concat');
    const parts = ctx.node.inputs.map((_, i) => ctx.act(i));
    const id = ctx.b.add({ kind: 'ann.concat', id: ctx.node.name, inputs: parts.map((p) => p.id) });
    return { kind: 'act', id, width: parts.reduce((s, p) => s + p.width, 0) };
  },
  Gelu: (ctx) => {
    const approximate = ctx.node.attrs.get('approximate')?.s ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh')
      fail(`Gelu with approximate = '${approximate}': ONNX defines 'none' (erf) and 'tanh'`);
    return activation(ctx, approximate === 'tanh' ? 'gelu_tanh' : 'gelu');
  },
  Elu: (ctx) => {
    const alpha = ctx.float('alpha', 1);
    if (alpha !== 1) fail(`ELU with alpha = ${alpha}: spikec converts ELU with alpha 1 (PyTorch's and Keras' default)`);
    return activation(ctx, 'elu');
  },
  ...Object.fromEntries(
    Object.entries(ACTIVATIONS).map(([op, fn]): [string, Rule] => [op, (ctx) => activation(ctx, fn)]),
  ),
};

/** y = fn(x), elementwise, on the node's one input. */
function activation(ctx: Ctx, fn: ActivationFn): Sym {
  const x = ctx.act(0);
  return { kind: 'act', id: ctx.b.add({ kind: 'ann.act', id: ctx.node.name, inputs: [x.id], fn }), width: x.width };
}

export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(RULES).sort();
/** Activations recognised as a pattern of several ops (patterns.ts), named beside the ops. */
const FUSED_PATTERNS = 'GELU as Erf or Tanh patterns, SiLU as x * Sigmoid(x)';

const tidy = (name: string): string =>
  name
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.-]+/, '') || 'v';

/** Lowers a decoded ONNX model into an ann-dialect graph; every problem found is reported together. */
export function lowerOnnx(model: OnnxModel, file: string, name: string): Graph {
  const l = new OnnxLowering(model, name);
  l.addInputs(file);
  for (const node of l.nodes) l.lowerNode(node);
  const outputs = l.outputs();
  l.problems.throwIfAny(file);
  l.addOutput(outputs);
  return verify(pruneDead(l.b.build()), file);
}

/** One lowering of an ONNX model: the graph being built, what each ONNX value stands for, the problems. */
class OnnxLowering {
  readonly problems = new ProblemList();
  readonly b: GraphBuilder;
  /** The nodes to lower, GELU patterns fused. */
  readonly nodes: ReturnType<typeof fusePatterns>['nodes'];
  /** Why a node that nearly completes a pattern does not (named with its error). */
  private readonly hints: ReturnType<typeof fusePatterns>['hints'];
  private readonly syms = new Map<string, Sym>();
  private readonly materialised = new Map<string, { id: string; width: number }>();
  /** How many nodes (and graph outputs) read each value. */
  private readonly uses = new Map<string, number>();

  constructor(
    private readonly model: OnnxModel,
    name: string,
  ) {
    this.b = new GraphBuilder(name);
    ({ nodes: this.nodes, hints: this.hints } = fusePatterns(model));
    for (const n of this.nodes) for (const i of n.inputs) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of model.outputs) this.uses.set(o.name, (this.uses.get(o.name) ?? 0) + 1);
    for (const [k, v] of model.initializers) this.syms.set(k, { kind: 'const', value: v });
  }

  /** Graph inputs become one ann.input; a model with several inputs reads slices of it. */
  addInputs(file: string): void {
    const { model, b, problems } = this;
    const widths = model.inputs.map((v) => v.dims[v.dims.length - 1] ?? -1);
    model.inputs.forEach((v, i) => {
      if (v.dims.length > 2 || widths[i] <= 0) {
        problems.add(
          `input '${v.name}'`,
          `has shape [${v.dims.map((d) => (d < 0 ? '?' : d)).join(',')}]; spikec needs [batch, features]`,
        );
      }
    });
    if (model.inputs.length === 0) problems.add('graph', 'has no inputs');
    if (model.outputs.length === 0) problems.add('graph', 'has no outputs');
    problems.throwIfAny(file);
    const names = model.inputs.flatMap((v, i) =>
      widths[i] === 1 ? [v.name] : Array.from({ length: widths[i] }, (_, j) => `${v.name}${j}`),
    );
    const inputId = b.add({
      kind: 'ann.input',
      id: model.inputs.length === 1 ? tidy(model.inputs[0].name) : 'input',
      inputs: [],
      dims: names.length,
      names,
    });
    let offset = 0;
    model.inputs.forEach((v, i) => {
      const w = widths[i];
      const id =
        model.inputs.length === 1
          ? inputId
          : b.add({ kind: 'ann.slice', id: tidy(v.name), inputs: [inputId], start: offset, stop: offset + w });
      this.syms.set(v.name, { kind: 'act', id, width: w });
      offset += w;
    });
  }

  /** The ann op a value stands for, added the first time it is needed as a computed value. */
  materialise(valueName: string, s: Sym): { id: string; width: number } {
    const b = this.b;
    const done = this.materialised.get(valueName);
    if (done) return done;
    let out: { id: string; width: number };
    switch (s.kind) {
      case 'act':
        out = s;
        break;
      case 'linear':
        out = {
          id: b.add({
            kind: 'ann.dense',
            id: tidy(s.name),
            inputs: [s.input],
            weight: f32([s.width, s.inWidth], s.weight),
            bias: f32([s.width], s.bias),
          }),
          width: s.width,
        };
        break;
      case 'scale':
        out = {
          id: b.add({
            kind: 'ann.scale',
            id: tidy(s.name),
            inputs: [s.input],
            scale: f32([s.width], s.scale),
            shift: f32([s.width], s.shift),
          }),
          width: s.width,
        };
        break;
      case 'product':
        out = { id: b.add({ kind: 'ann.product', id: tidy(s.name), inputs: [...s.inputs], rank: 1 }), width: s.width };
        break;
      case 'const':
        return fail(`'${valueName}' is a constant where a computed value (one that depends on the input) is needed`);
      case 'poison':
        throw new Poisoned();
    }
    this.materialised.set(valueName, out);
    return out;
  }

  /** One node by its rule; a node that cannot be lowered is a problem, and what reads it is poisoned. */
  lowerNode(node: OnnxLowering['nodes'][number]): void {
    const { syms, problems } = this;
    const where = `node '${node.name}' (${node.opType})`;
    const rule = node.domain && node.domain !== 'ai.onnx' ? undefined : RULES[node.opType];
    const poison = (): void => node.outputs.forEach((o) => syms.set(o, { kind: 'poison' }));
    const hint = this.hints.get(node.name);
    const withHint = (message: string): string => (hint ? `${message}; ${hint}` : message);
    if (!rule) {
      problems.add(where, withHint(`unsupported op${node.domain ? ` of domain '${node.domain}'` : ''}`));
      problems.addNote(`spikec supports the ONNX ops ${SUPPORTED_ONNX_OPS.join(', ')}; and ${FUSED_PATTERNS}`);
      poison();
      return;
    }
    try {
      const out = rule(this.contextOf(node));
      if (node.outputs.length !== 1 && node.opType !== 'Dropout')
        fail(`has ${node.outputs.length} outputs, expected 1`);
      syms.set(node.outputs[0], out);
    } catch (e) {
      if (e instanceof Poisoned) poison();
      else if (e instanceof NodeFail || e instanceof IrError) {
        problems.add(where, withHint(e instanceof IrError ? e.message.replace(/^%\S+: /, '') : e.message));
        poison();
      } else throw e;
    }
  }

  /** What a rule may ask of a node: its inputs as values or constants, its attributes. */
  private contextOf(node: OnnxLowering['nodes'][number]): Ctx {
    const sym = (i: number): Sym => {
      const name = node.inputs[i];
      if (!name) return fail(`input ${i} is missing`);
      const s = this.syms.get(name);
      if (!s) return fail(`reads '${name}', which nothing defines`);
      if (s.kind === 'poison') throw new Poisoned();
      return s;
    };
    const constant = (i: number, what: string): OnnxConst => {
      const s = sym(i);
      if (s.kind !== 'const')
        return fail(
          `${what} ('${node.inputs[i]}') is not a constant; spikec needs trained weights stored in the model`,
        );
      return s.value;
    };
    const attr = node.attrs;
    return {
      b: this.b,
      node: { ...node, name: tidy(node.name) },
      opset: this.model.opset,
      uses: this.uses,
      sym,
      act: (i) => this.materialise(node.inputs[i], sym(i)),
      constant,
      optionalConstant: (i, what) => (node.inputs[i] ? constant(i, what) : undefined),
      int: (n, fallback) => attr.get(n)?.i ?? fallback,
      float: (n, fallback) => attr.get(n)?.f ?? fallback,
      ints: (n) => attr.get(n)?.ints,
    };
  }

  /** Each graph output as the op that computes it (a problem where nothing does). */
  outputs(): { id: string; width: number }[] {
    const outputIds: { id: string; width: number }[] = [];
    for (const o of this.model.outputs) {
      try {
        const s = this.syms.get(o.name);
        if (!s) fail(`nothing computes it`);
        outputIds.push(this.materialise(o.name, s!));
      } catch (e) {
        if (e instanceof Poisoned) continue;
        if (!(e instanceof NodeFail)) throw e;
        this.problems.add(`output '${o.name}'`, e.message);
      }
    }
    return outputIds;
  }

  /** The ann.output, reading the outputs (concatenated when there are several). */
  addOutput(outputIds: readonly { id: string; width: number }[]): void {
    const { model, b } = this;
    const outNames = model.outputs.flatMap((o, i) =>
      outputIds[i].width === 1 ? [o.name] : Array.from({ length: outputIds[i].width }, (_, j) => `${o.name}${j}`),
    );
    const final =
      outputIds.length === 1
        ? outputIds[0].id
        : b.add({ kind: 'ann.concat', id: 'outputs', inputs: outputIds.map((x) => x.id) });
    b.add({
      kind: 'ann.output',
      id: model.outputs.length === 1 ? `${tidy(model.outputs[0].name)}_out` : 'output',
      inputs: [final],
      names: outNames,
    });
  }
}

class Poisoned extends Error {}

/** Drops nodes that no output reads (a sigmoid absorbed into a SiLU, a constant branch). */
function pruneDead(g: Graph): Graph {
  const live = new Set<string>();
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const todo = g.nodes.filter((n) => n.kind === 'ann.output').map((n) => n.id);
  while (todo.length) {
    const id = todo.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    todo.push(...byId.get(id)!.inputs);
  }
  return { ...g, nodes: g.nodes.filter((n) => live.has(n.id) || n.kind === 'ann.input') };
}
