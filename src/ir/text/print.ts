import { VOLTAGE_SCALE } from '../bits.js';
import { type Graph, type Node, STRUCTURAL_FIELDS } from '../graph.js';
import { type Tensor, isTensor, numel, tensorStats } from '../tensor.js';
import { showType } from '../types.js';

export interface PrintOptions {
  /**
   * Print every weight and each op's loc (text that parses back to the same graph); without it tensors
   * of more than SMALL_TENSOR values are summarised and neurons carry a comment with their units.
   */
  readonly weights?: boolean;
  /** Print each op's loc (MLIR's --mlir-print-debuginfo); always on with `weights`. */
  readonly debuginfo?: boolean;
}

/** Attributes printed first, in this order, per op: what a reader looks for before the long tensors. */
const KEY_ATTRIBUTES: Partial<Record<Node['kind'], readonly string[]>> = {
  'snn.neurons': [
    'model',
    'arith',
    'threshold',
    'reset',
    'fireAbove',
    'onset',
    'spikeSign',
    'payloadBits',
    'bias',
    'biasExp',
    'openingV',
    'initialV',
  ],
  'snn.sigma-delta': ['activation', 'arith', 'threshold', 'bias'],
  'snn.readout': ['decode', 'window', 'scale', 'offset'],
  'snn.encoder': ['mode', 'payloadBits', 'biasChannel'],
  'ann.act': ['fn'],
};

/** Fields printed outside the attribute dictionary. */
const NOT_ATTRIBUTES = new Set([...STRUCTURAL_FIELDS, 'loc']);

const SMALL_TENSOR = 8;

export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** The shortest decimal that reads back (through Math.fround) as the same float32. */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x) || Math.fround(x) !== x || x === 0) return formatNumber(x);
  for (let p = 1; p <= 9; p++) {
    const s = formatNumber(Number(x.toPrecision(p)));
    if (Math.fround(Number(s)) === x) return s;
  }
  return formatNumber(x);
}

function formatTensor(t: Tensor, opts: PrintOptions): string {
  const head = `tensor<${t.dtype}[${t.shape.join(',')}]>`;
  if (opts.weights || numel(t.shape) <= SMALL_TENSOR) {
    const fmt = t.dtype === 'f32' ? formatFloat32 : formatNumber;
    return `${head} [${t.data.map(fmt).join(', ')}]`;
  }
  const s = tensorStats(t);
  const g = (x: number): string => formatNumber(Number(x.toPrecision(4)));
  return `${head} elided(min = ${g(s.min)}, max = ${g(s.max)}, mean = ${g(s.mean)})`;
}

export function formatValue(v: unknown, opts: PrintOptions = {}): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (isTensor(v)) return formatTensor(v, opts);
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, opts)).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return formatDict(v as Record<string, unknown>, opts, new Set());
  throw new Error(`cannot print attribute value ${String(v)}`);
}

function formatDict(
  o: Record<string, unknown>,
  opts: PrintOptions,
  skip: ReadonlySet<string>,
  first: readonly string[] = [],
): string {
  const rest = Object.keys(o)
    .filter((k) => !first.includes(k))
    .sort();
  const keys = [...first, ...rest].filter((k) => !skip.has(k) && o[k] !== undefined);
  return `{${keys.map((k) => `${k} = ${formatValue(o[k], opts)}`).join(', ')}}`;
}

/** What a population's threshold and potentials mean, for a reader of a dump. */
function unitsComment(n: Node): string {
  if (n.kind !== 'snn.neurons') return '';
  if (n.arith === 'float') {
    return ` // float: fires at v >= ${formatNumber(n.threshold)}; v, bias, potentials in input-current units`;
  }
  const vth = n.threshold * VOLTAGE_SCALE;
  const bias = `bias = mantissa << ${n.biasExp ?? 0}`;
  return ` // fixed: fires at v > threshold << 6 = ${vth}; v, potentials in a_in/64 units; ${bias}`;
}

export function printNode(n: Node, opts: PrintOptions = {}): string {
  const attrs = formatDict(n as unknown as Record<string, unknown>, opts, NOT_ATTRIBUTES, KEY_ATTRIBUTES[n.kind]);
  const args = n.inputs.map((i) => `%${i}`).join(', ');
  const loc = n.loc && (opts.weights || opts.debuginfo) ? ` loc ${formatValue(n.loc, opts)}` : '';
  const units = opts.weights ? '' : unitsComment(n);
  return `%${n.id} = ${n.kind}(${args})${attrs === '{}' ? '' : ` ${attrs}`} : ${showType(n.type)}${loc}${units}`;
}

/** The textual IR: one op per line. With `weights` it parses back to an identical graph. */
export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const body = g.nodes.map((n) => `  ${printNode(n, opts)}\n`).join('');
  return `graph ${JSON.stringify(g.name)} {\n${body}}\n`;
}
