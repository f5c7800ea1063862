import { type Graph, type Node, STRUCTURAL_FIELDS } from '../graph.js';
import { type Tensor, isTensor, numel, tensorStats } from '../tensor.js';
import { showType } from '../types.js';

export interface PrintOptions {
  /** Print every weight; without it tensors of more than SMALL_TENSOR values are summarised. */
  readonly weights?: boolean;
}

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

function formatDict(o: Record<string, unknown>, opts: PrintOptions, skip: ReadonlySet<string>): string {
  const keys = Object.keys(o)
    .filter((k) => !skip.has(k) && o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${k} = ${formatValue(o[k], opts)}`).join(', ')}}`;
}

export function printNode(n: Node, opts: PrintOptions = {}): string {
  const attrs = formatDict(n as unknown as Record<string, unknown>, opts, STRUCTURAL_FIELDS);
  const args = n.inputs.map((i) => `%${i}`).join(', ');
  return `%${n.id} = ${n.kind}(${args})${attrs === '{}' ? '' : ` ${attrs}`} : ${showType(n.type)}`;
}

/** The textual IR: one op per line. With `weights` it parses back to an identical graph. */
export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const body = g.nodes.map((n) => `  ${printNode(n, opts)}\n`).join('');
  return `graph ${JSON.stringify(g.name)} {\n${body}}\n`;
}
