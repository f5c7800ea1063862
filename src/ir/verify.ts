import { match } from 'ts-pattern';
import { FIXED_LIMITS, inRange, signedRange } from './bits.js';
import { isRateOp, isSigmaDeltaOp } from './coding.js';
import { IrError } from './errors.js';
import { type Graph, Node, isSink, isSource } from './graph.js';
import { type Operand, inferType, isProblem } from './infer.js';
import { type Tensor, tensorProblem } from './tensor.js';
import { sameType, showType } from './types.js';

/** The rules the verifier checks; each diagnostic names the one it broke. */
export type Rule =
  | 'schema'
  | 'duplicate-id'
  | 'undefined-input'
  | 'cycle'
  | 'use-before-def'
  | 'arity'
  | 'operand'
  | 'shape'
  | 'attribute'
  | 'type-mismatch'
  | 'non-finite'
  | 'threshold'
  | 'bit-width'
  | 'no-input'
  | 'no-output'
  | 'unreachable'
  | 'dead'
  | 'coding';

export interface Diagnostic {
  readonly rule: Rule;
  /** The node at fault, when there is one. */
  readonly node?: string;
  readonly message: string;
}

const show = (d: Diagnostic): string => `${d.node ? `%${d.node}: ` : ''}${d.message} [${d.rule}]`;

/** Throws an IrError listing every problem of the graph; returns the graph unchanged when it is valid. */
export function verify(g: Graph, where?: string): Graph {
  const diags = diagnose(g);
  if (diags.length > 0) {
    const head = diags.length === 1 ? 'invalid graph' : `invalid graph (${diags.length} problems)`;
    throw new IrError(`${head}:\n${diags.map((d) => `  ${show(d)}`).join('\n')}`, where);
  }
  return g;
}

/** Every problem of the graph, in node order. An empty list means the graph is valid. */
export function diagnose(g: Graph): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byId = new Map<string, Node>();
  for (const n of g.nodes) {
    const parsed = Node.safeParse(n);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        out.push({ rule: 'schema', node: n.id, message: `${issue.path.join('.') || 'node'}: ${issue.message}` });
      }
    }
    if (byId.has(n.id)) out.push({ rule: 'duplicate-id', node: n.id, message: 'the name is defined twice' });
    else byId.set(n.id, n);
  }
  if (out.some((d) => d.rule === 'schema')) return out;

  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!byId.has(i))
        out.push({ rule: 'undefined-input', node: n.id, message: `reads %${i}, which no node defines` });
    }
  }
  if (out.length > 0) return out;

  const cycle = findCycle(g, byId);
  if (cycle) {
    out.push({
      rule: 'cycle',
      node: cycle[0],
      message: `the graph has a cycle: ${cycle.map((c) => `%${c}`).join(' -> ')}`,
    });
    return out;
  }
  const seen = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!seen.has(i)) out.push({ rule: 'use-before-def', node: n.id, message: `reads %${i} before it is defined` });
    }
    seen.add(n.id);
  }

  // sparse storage is what a sigma-delta network's layers hold; the rate simulator counts whole columns
  for (const n of g.nodes) {
    const syn = byId.get(n.inputs[0] ?? '');
    if (syn?.kind !== 'snn.synapse' || syn.storage !== 'sparse') continue;
    if (n.kind !== 'snn.sigma-delta' && !(n.kind === 'snn.readout' && n.decode === 'sigma'))
      out.push({ rule: 'attribute', node: syn.id, message: `sparse storage feeding ${n.kind} (sigma-delta only)` });
  }

  for (const n of g.nodes) {
    const operands: Operand[] = n.inputs.map((i) => {
      const src = byId.get(i)!;
      return { id: src.id, kind: src.kind, type: src.type };
    });
    const inferred = inferType(n, operands);
    if (isProblem(inferred)) out.push({ rule: inferred.rule, node: n.id, message: inferred.message });
    else if (!sameType(inferred, n.type)) {
      out.push({
        rule: 'type-mismatch',
        node: n.id,
        message: `declared ${showType(n.type)} but computes ${showType(inferred)}`,
      });
    }
    out.push(...valueProblems(n));
  }

  const rateOp = g.nodes.find(isRateOp);
  const sigmaDeltaOp = g.nodes.find(isSigmaDeltaOp);
  if (rateOp && sigmaDeltaOp)
    out.push({
      rule: 'coding',
      node: rateOp.id,
      message: `${rateOp.kind} is rate coded, but %${sigmaDeltaOp.id} (${sigmaDeltaOp.kind}) is sigma-delta coded`,
    });

  if (!g.nodes.some(isSource)) out.push({ rule: 'no-input', message: 'the graph has no ann.input or snn.encoder' });
  if (!g.nodes.some(isSink)) out.push({ rule: 'no-output', message: 'the graph has no ann.output' });
  out.push(...reachability(g, byId));
  return out;
}

function findCycle(g: Graph, byId: Map<string, Node>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const s = state.get(id);
    if (s === 'done') return undefined;
    if (s === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const i of byId.get(id)!.inputs) {
      const c = visit(i);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const n of g.nodes) {
    const c = visit(n.id);
    if (c) return c.reverse();
  }
  return undefined;
}

function reachability(g: Graph, byId: Map<string, Node>): Diagnostic[] {
  const consumers = new Map<string, string[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n.id]);
  const flood = (starts: string[], next: (id: string) => readonly string[]): Set<string> => {
    const seen = new Set(starts);
    const todo = [...starts];
    while (todo.length) for (const m of next(todo.pop()!)) if (!seen.has(m)) (seen.add(m), todo.push(m));
    return seen;
  };
  const fromInputs = flood(
    g.nodes.filter(isSource).map((n) => n.id),
    (id) => consumers.get(id) ?? [],
  );
  const toOutputs = flood(
    g.nodes.filter(isSink).map((n) => n.id),
    (id) => byId.get(id)!.inputs,
  );
  const out: Diagnostic[] = [];
  for (const n of g.nodes) {
    if (!fromInputs.has(n.id))
      out.push({ rule: 'unreachable', node: n.id, message: 'no path leads here from an input' });
    else if (!toOutputs.has(n.id))
      out.push({ rule: 'dead', node: n.id, message: 'no path leads from here to an output' });
  }
  return out;
}

function tensorDiags(node: string, field: string, t: Tensor, dtypes: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!dtypes.includes(t.dtype))
    out.push({ rule: 'attribute', node, message: `${field} is ${t.dtype}, expected ${dtypes.join(' or ')}` });
  const p = tensorProblem(t);
  if (p) out.push({ rule: p.includes('finite') ? 'non-finite' : 'shape', node, message: `${field} ${p}` });
  return out;
}

function finite(node: string, field: string, values: readonly number[]): Diagnostic[] {
  const bad = values.findIndex((x) => !Number.isFinite(x));
  return bad < 0 ? [] : [{ rule: 'non-finite', node, message: `${field}[${bad}] is ${values[bad]}` }];
}

function bitWidth(
  node: string,
  field: string,
  values: readonly number[],
  range: readonly [number, number],
): Diagnostic[] {
  const bad = values.findIndex((x) => !inRange(x, range));
  if (bad < 0) return [];
  const where = values.length > 1 ? `${field}[${bad}]` : field;
  return [
    { rule: 'bit-width', node, message: `${where} = ${values[bad]} is not an integer in [${range[0]}, ${range[1]}]` },
  ];
}

/** Value-level rules: finite numbers, positive thresholds, integers that fit their bit widths. */
function valueProblems(n: Node): Diagnostic[] {
  const id = n.id;
  const REAL = ['f32', 'f64'];
  return match(n)
    .with({ kind: 'ann.dense' }, (d) => [
      ...tensorDiags(id, 'weight', d.weight, REAL),
      ...tensorDiags(id, 'bias', d.bias, REAL),
    ])
    .with({ kind: 'ann.scale' }, (d) => [
      ...tensorDiags(id, 'scale', d.scale, REAL),
      ...tensorDiags(id, 'shift', d.shift, REAL),
    ])
    .with({ kind: 'ann.input' }, { kind: 'snn.encoder' }, (d) => [
      ...finite(id, 'normalization.scale', d.normalization?.scale ?? []),
      ...finite(id, 'normalization.offset', d.normalization?.offset ?? []),
    ])
    .with(
      { kind: 'ann.act' },
      { kind: 'ann.slice' },
      { kind: 'ann.concat' },
      { kind: 'ann.product' },
      { kind: 'ann.output' },
      () => [],
    )
    .with({ kind: 'snn.synapse' }, (d) => {
      const w = d.weight;
      if (w.kind === 'float') return tensorDiags(id, 'weight', w.values, REAL);
      const width = bitWidth(id, 'weight bits', [w.bits], FIXED_LIMITS.weightBits);
      return [
        ...tensorDiags(id, 'weight mantissa', w.mantissa, ['i32']),
        ...width,
        ...bitWidth(id, 'weight exponent', [w.exponent], FIXED_LIMITS.weightExp),
        ...(width.length ? [] : bitWidth(id, 'weight mantissa', w.mantissa.data, signedRange(w.bits))),
      ];
    })
    .with({ kind: 'snn.neurons' }, (d) => {
      const out = [
        ...finite(id, 'threshold', [d.threshold]),
        ...finite(id, 'currentDecay', [d.currentDecay]),
        ...finite(id, 'voltageDecay', [d.voltageDecay]),
      ];
      if (!(d.threshold > 0))
        out.push({ rule: 'threshold', node: id, message: `threshold ${d.threshold} is not positive` });
      if (d.model === 'if' && d.voltageDecay !== 0) {
        out.push({
          rule: 'attribute',
          node: id,
          message: `an if neuron has no leak, but voltageDecay is ${d.voltageDecay}`,
        });
      }
      if (d.arith === 'float') {
        for (const [f, x] of [
          ['currentDecay', d.currentDecay],
          ['voltageDecay', d.voltageDecay],
        ] as const) {
          if (!(x >= 0 && x <= 1))
            out.push({ rule: 'attribute', node: id, message: `${f} ${x} is not a fraction in [0, 1]` });
        }
        if (d.biasExp !== undefined)
          out.push({ rule: 'attribute', node: id, message: 'biasExp is for fixed arithmetic only' });
        out.push(...tensorDiags(id, 'bias', d.bias, REAL), ...tensorDiags(id, 'initialV', d.initialV, REAL));
        if (d.openingV) out.push(...tensorDiags(id, 'openingV', d.openingV, REAL));
      } else {
        if (d.fireAbove)
          out.push({ rule: 'attribute', node: id, message: 'fireAbove is for float arithmetic (fixed fires above)' });
        out.push(
          ...bitWidth(id, 'threshold', [d.threshold], FIXED_LIMITS.threshold),
          ...bitWidth(id, 'currentDecay', [d.currentDecay], FIXED_LIMITS.decay),
          ...bitWidth(id, 'voltageDecay', [d.voltageDecay], FIXED_LIMITS.decay),
          ...bitWidth(id, 'biasExp', [d.biasExp ?? 0], FIXED_LIMITS.biasExp),
          ...tensorDiags(id, 'bias', d.bias, ['i32']),
          ...bitWidth(id, 'bias', d.bias.data, FIXED_LIMITS.biasMantissa),
          ...tensorDiags(id, 'initialV', d.initialV, ['i32']),
          ...bitWidth(id, 'initialV', d.initialV.data, FIXED_LIMITS.voltage),
          ...(d.openingV ? tensorDiags(id, 'openingV', d.openingV, ['i32']) : []),
          ...(d.openingV ? bitWidth(id, 'openingV', d.openingV.data, FIXED_LIMITS.voltage) : []),
        );
      }
      return out;
    })
    .with({ kind: 'snn.sigma-delta' }, (d) => {
      const out = [...finite(id, 'threshold', [d.threshold])];
      if (!(d.threshold > 0))
        out.push({ rule: 'threshold', node: id, message: `threshold ${d.threshold} is not positive` });
      if (d.arith === 'float') return [...out, ...tensorDiags(id, 'bias', d.bias, REAL)];
      return [
        ...out,
        ...bitWidth(id, 'threshold', [d.threshold], FIXED_LIMITS.sdThreshold),
        ...tensorDiags(id, 'bias', d.bias, ['i32']),
        ...bitWidth(id, 'bias', d.bias.data, FIXED_LIMITS.sdBias),
      ];
    })
    .with({ kind: 'snn.readout' }, (d) => [
      ...tensorDiags(id, 'scale', d.scale, REAL),
      ...tensorDiags(id, 'offset', d.offset, REAL),
    ])
    .exhaustive();
}
