import { DECAY_UNIT, type Graph, GraphBuilder, IrError, VOLTAGE_SCALE, f32, i32, verify } from '../../ir/index.js';
import { z } from 'zod';
import { ImportError, WHOLE_FILE } from '../errors.js';
import type { H5Entry, H5Value } from './hdf5-tree.js';
import { readHdf5Tree } from './read-hdf5.js';

type Group = Extract<H5Entry, { kind: 'group' }>;

/** A NIR file's HDF5 tree, read only through checked accessors that name the path and what was wrong. */
class NirTree {
  constructor(
    private readonly file: string,
    readonly root: Group,
  ) {}

  fail(where: string, message: string): never {
    throw new ImportError(this.file, [{ where, message }]);
  }

  entry(path: string): H5Entry | undefined {
    let cur: H5Entry | undefined = this.root;
    for (const part of path.split('/')) cur = cur?.kind === 'group' ? cur.children[part] : undefined;
    return cur;
  }

  group(path: string): Group {
    const e = this.entry(path);
    if (e?.kind !== 'group') this.fail(path, e ? 'expected a group' : 'missing group');
    return e;
  }

  has(path: string): boolean {
    return this.entry(path) !== undefined;
  }

  private dataset(path: string): H5Value {
    const e = this.entry(path);
    if (e?.kind !== 'dataset') this.fail(path, e ? 'expected a dataset' : 'missing dataset');
    return e;
  }

  string(path: string): string {
    const v = this.dataset(path);
    if (v.class !== 'string' || v.data?.length !== 1) this.fail(path, 'expected one string');
    return String(v.data[0]);
  }

  strings(path: string): string[] {
    const v = this.dataset(path);
    if (v.class !== 'string' || !v.data) this.fail(path, 'expected strings');
    return v.data.map(String);
  }

  /** A numeric dataset's finite values and its shape; `rank` is checked when given. */
  numbers(path: string, rank?: number): { values: number[]; shape: readonly number[] } {
    return this.checkNumbers(path, this.dataset(path), rank);
  }

  /**
   * What spikec recorded beyond NIR: a dataset in the node's `metadata` group (NIR's own place, which
   * nir.read and nir.write keep), or an HDF5 attribute (files of earlier spikec versions).
   */
  attr(path: string, name: string): H5Value | undefined {
    const meta = this.entry(`${path}/metadata/${name}`);
    if (meta?.kind === 'dataset') return meta;
    const e = this.entry(path);
    return e && e.kind !== 'other' ? e.attrs[name] : undefined;
  }

  attrNumbers(path: string, name: string, length: number): number[] | undefined {
    const a = this.attr(path, name);
    if (!a) return undefined;
    const { values } = this.checkNumbers(`${path} attribute ${name}`, a);
    if (values.length !== length)
      this.fail(`${path} attribute ${name}`, `has ${values.length} values; expected ${length}`);
    return values;
  }

  attrChoice<T extends string>(path: string, name: string, choices: readonly T[]): T | undefined {
    const a = this.attr(path, name);
    if (!a) return undefined;
    const v = a.class === 'string' && a.data?.length === 1 ? String(a.data[0]) : undefined;
    if (!choices.includes(v as T))
      this.fail(`${path} attribute ${name}`, `expected one of ${choices.map((c) => `"${c}"`).join(', ')}`);
    return v as T;
  }

  attrJson(path: string, name: string): unknown {
    const a = this.attr(path, name);
    if (!a) return undefined;
    if (a.class !== 'string' || a.data?.length !== 1) this.fail(`${path} attribute ${name}`, 'expected a JSON string');
    try {
      return JSON.parse(String(a.data[0]));
    } catch {
      return this.fail(`${path} attribute ${name}`, 'not valid JSON');
    }
  }

  private checkNumbers(where: string, v: H5Value, rank?: number): { values: number[]; shape: readonly number[] } {
    if ((v.class !== 'int' && v.class !== 'float') || !v.data)
      this.fail(where, `expected numbers, found ${v.class === 'string' ? 'strings' : 'an unsupported HDF5 type'}`);
    if (rank !== undefined && v.shape.length !== rank)
      this.fail(where, `expected ${rank} dimension${rank === 1 ? '' : 's'}, found shape [${v.shape.join(', ')}]`);
    const bad = v.data.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) this.fail(where, `value ${bad} is ${String(v.data[bad])}, not a finite number`);
    return { values: v.data as number[], shape: v.shape };
  }
}

const NODE_TYPES = ['Input', 'Affine', 'IF', 'Output'] as const;

/**
 * Imports a NIR graph (HDF5, as nir.write lays it out) into the snn dialect: a chain
 * Input -> Affine -> IF -> ... -> Affine -> Output. Every stored shape is checked against the chain
 * (an Affine's weight is [out, in] with `in` the width before it). spikec_* attributes restore what NIR
 * cannot say (reset by subtraction, ternary spikes, initial potentials, the readout window); without
 * them a network resets to zero, starts at rest and reads out over its depth + 64 steps.
 */
export async function importNir(path: string): Promise<Graph> {
  const root = await readHdf5Tree(path);
  if (root.kind !== 'group')
    throw new ImportError(path, [{ where: WHOLE_FILE, message: 'not a NIR file (no root group)' }]);
  const t = new NirTree(path, root);
  try {
    return verify(buildGraph(t, path), path);
  } catch (e) {
    if (e instanceof IrError && !(e instanceof ImportError))
      throw new ImportError(path, [{ where: 'graph', message: e.message }]);
    throw e;
  }
}

function buildGraph(t: NirTree, path: string): Graph {
  if (!t.has('node/type') || t.string('node/type') !== 'NIRGraph')
    t.fail('node/type', 'not a NIR graph (expected "NIRGraph")');
  const names = Object.keys(t.group('node/nodes').children);
  const typeOf = new Map(names.map((n) => [n, t.string(`${nodePath(n)}/type`)]));
  const unsupported = names.filter((n) => !(NODE_TYPES as readonly string[]).includes(typeOf.get(n)!));
  if (unsupported.length) {
    throw new ImportError(
      path,
      unsupported.map((n) => ({ where: `node '${n}' (${typeOf.get(n)})`, message: 'unsupported NIR node' })),
      `spikec reads the NIR nodes ${NODE_TYPES.join(', ')}`,
    );
  }
  const next = edgesOf(t, new Set(names));
  const inputs = names.filter((n) => typeOf.get(n) === 'Input');
  if (inputs.length !== 1) t.fail('node/nodes', `needs exactly one Input node (found ${inputs.length})`);
  const chain = new ChainReader(t, new GraphBuilder(path.replace(/^.*\//, '').replace(/\.(nir|h5|hdf5)$/, '')));
  let { id: cur, width } = chain.encoder(inputs[0]);
  let node = next.get(inputs[0]);
  let depth = 0;
  const seen = new Set([inputs[0]]);
  const visit = (n: string): string => {
    if (seen.has(n)) t.fail(`node '${n}'`, 'the edges form a cycle; spikec reads a chain from Input to Output');
    seen.add(n);
    return n;
  };
  while (node) {
    visit(node);
    if (typeOf.get(node) !== 'Affine')
      t.fail(`node '${node}' (${typeOf.get(node)})`, 'expected an Affine after an Input or IF node');
    const target = next.get(node);
    if (!target) t.fail(`node '${node}'`, 'an Affine that leads nowhere');
    visit(target);
    const affine = chain.synapse(node, cur, width);
    depth++;
    if (typeOf.get(target) === 'IF') {
      cur = chain.population(target, affine);
      width = affine.out;
      node = next.get(target);
    } else if (typeOf.get(target) === 'Output') {
      chain.output(target, affine, depth);
      node = undefined;
    } else t.fail(`node '${target}' (${typeOf.get(target)})`, 'expected IF or Output after an Affine');
  }
  const unreached = names.filter((n) => !seen.has(n));
  if (unreached.length)
    t.fail('node/edges', `nodes not on the chain from the Input: ${unreached.map((n) => `'${n}'`).join(', ')}`);
  return chain.b.build();
}

/** Where a node's fields are in the file. */
const nodePath = (n: string): string => `node/nodes/${n}`;

/** An Affine read as a synapse: its id, outputs, bias, and the readout scale it carries before an Output. */
interface AffineRead {
  readonly id: string;
  readonly out: number;
  readonly bias: number[];
  readonly readoutScale?: number[];
}

/** The ops of a NIR chain, one node at a time (buildGraph walks the chain). */
class ChainReader {
  constructor(
    private readonly t: NirTree,
    readonly b: GraphBuilder,
  ) {}

  /** The Input as an snn.encoder (its spikec_ metadata, where present: names, domain, payload). */
  encoder(inName: string): { id: string; width: number } {
    const { t, b } = this;
    const p = nodePath(inName);
    const inShape = t.numbers(`${p}/shape`, 1).values;
    const dims = inShape[0];
    if (inShape.length !== 1 || !Number.isInteger(dims) || dims < 1)
      t.fail(`${p}/shape`, `expected one positive integer, found [${inShape.join(', ')}]`);
    const extras = Object.fromEntries(
      (['names', 'domain', 'normalization'] as const).flatMap((k) => {
        const v = t.attrJson(p, `spikec_${k}`);
        return v === undefined ? [] : [[k, v]];
      }),
    );
    const payload = t.attrNumbers(p, 'spikec_payload_bits', 1)?.[0];
    const mode = payload ? { mode: 'graded' as const, payloadBits: payload } : { mode: 'current' as const };
    return { id: b.add({ kind: 'snn.encoder', id: inName, inputs: [], dims, ...mode, ...extras }), width: dims };
  }

  /** An Affine reading `source` (of `width` units) as an snn.synapse, float or integer (m 2^e). */
  synapse(node: string, source: string, width: number): AffineRead {
    const t = this.t;
    const p = nodePath(node);
    const w = t.numbers(`${p}/weight`, 2);
    const bias = t.numbers(`${p}/bias`, 1).values;
    const [out, inW] = w.shape;
    if (inW !== width)
      t.fail(
        `${p}/weight`,
        `shape [${w.shape.join(', ')}] takes ${inW} inputs, but the layer before it has ${width} ` +
          '(NIR stores an Affine weight as [out, in])',
      );
    if (bias.length !== out)
      t.fail(`${p}/bias`, `has ${bias.length} values; the weight [${w.shape.join(', ')}] has ${out} outputs`);
    // an integer synapse: the Affine holds m 2^e (times the readout's scale before an Output)
    const exponent = t.attrNumbers(p, 'spikec_weight_exp', 1)?.[0];
    const readoutScale = t.attrNumbers(p, 'spikec_readout_scale', out);
    const integer = (e: number, bits: number) => {
      const m = w.values.map((x, k) => Math.round(x / (2 ** e * (readoutScale?.[Math.floor(k / inW)] ?? 1))));
      return { kind: 'int' as const, mantissa: i32([out, inW], m), exponent: e, bits };
    };
    const bits = t.attrNumbers(p, 'spikec_weight_bits', 1)?.[0];
    const id = this.b.add({
      kind: 'snn.synapse',
      id: node,
      inputs: [source],
      weight:
        exponent === undefined ? { kind: 'float', values: f32([out, inW], w.values) } : integer(exponent, bits ?? 8),
    });
    return { id, out, bias, ...(readoutScale ? { readoutScale } : {}) };
  }

  /** An IF node after an Affine as an snn.neurons population (spikec_ metadata: reset, potentials, arith). */
  population(target: string, affine: AffineRead): string {
    const t = this.t;
    const p = nodePath(target);
    const { out, bias } = affine;
    const perNeuron = (field: string, required: boolean): number[] | undefined => {
      if (!required && !t.has(`${p}/${field}`)) return undefined;
      const v = t.numbers(`${p}/${field}`).values;
      if (v.length !== out) t.fail(`${p}/${field}`, `has ${v.length} values; the Affine before it has ${out} outputs`);
      return v;
    };
    const th = perNeuron('v_threshold', true)!;
    if (th.some((x) => x !== th[0]))
      t.fail(`node '${target}' (IF)`, 'per-neuron thresholds differ; spikec populations share one threshold');
    if (perNeuron('r', false)?.some((r) => r !== 1))
      t.fail(`node '${target}' (IF)`, 'r other than 1; spikec IF neurons integrate their input unscaled');
    if (perNeuron('v_reset', false)?.some((v) => v !== 0))
      t.fail(`node '${target}' (IF)`, 'v_reset other than 0; spikec neurons reset to 0 or by subtraction');
    const v0 = t.attrNumbers(p, 'spikec_initial_v', out);
    const opening = t.attrNumbers(p, 'spikec_opening_v', out);
    const fixed = t.attrChoice(p, 'spikec_arith', ['fixed'] as const) === 'fixed';
    // fixed point (Loihi units): the file holds bias m 2^biasExp / 64 and potentials v / 64
    const biasExp = fixed ? (t.attrNumbers(p, 'spikec_bias_exp', 1)?.[0] ?? 0) : undefined;
    const [du, dv] = fixed ? (t.attrNumbers(p, 'spikec_decays', 2) ?? [DECAY_UNIT - 1, 0]) : [1, 0];
    const potential = (v: readonly number[]) =>
      fixed
        ? i32(
            [out],
            v.map((x) => Math.round(x * VOLTAGE_SCALE)),
          )
        : f32([out], v);
    return this.b.add({
      kind: 'snn.neurons',
      id: target,
      inputs: [affine.id],
      model: 'if',
      arith: fixed ? 'fixed' : 'float',
      threshold: th[0],
      reset: t.attrChoice(p, 'spikec_reset', ['subtract', 'zero'] as const) ?? 'zero',
      currentDecay: du,
      voltageDecay: dv,
      bias: fixed
        ? i32(
            [out],
            bias.map((x) => Math.round((x * VOLTAGE_SCALE) / 2 ** biasExp!)),
          )
        : f32([out], bias),
      ...(fixed ? { biasExp } : {}),
      initialV: potential(v0 ?? Array(out).fill(0)),
      ...(opening ? { openingV: potential(opening) } : {}),
      spikeSign: t.attrChoice(p, 'spikec_spike_sign', ['unsigned', 'signed'] as const) ?? 'unsigned',
      payloadBits: 0,
    });
  }

  /** An Output after an Affine: an snn.readout, the host ops after it, and the ann.output. */
  output(target: string, affine: AffineRead, depth: number): void {
    const { t, b } = this;
    const p = nodePath(target);
    const { out, bias } = affine;
    if (t.has(`${p}/shape`)) {
      const s = t.numbers(`${p}/shape`).values;
      if (s.length !== 1 || s[0] !== out)
        t.fail(`${p}/shape`, `is [${s.join(', ')}]; the Affine before it has ${out} outputs`);
    }
    const win = t.attrNumbers(p, 'spikec_window', 2);
    const window = (win ?? [depth, depth + 64]) as [number, number];
    const r = b.add({
      kind: 'snn.readout',
      id: target,
      inputs: [affine.id],
      scale: f32([out], affine.readoutScale ?? Array(out).fill(1)),
      offset: f32([out], bias),
      window,
    });
    const outNames = t.attrJson(p, 'spikec_names') as string[] | undefined;
    const last = addHostOps(t, p, b, r);
    b.add({ kind: 'ann.output', id: `${target}_out`, inputs: [last], ...(outNames ? { names: outNames } : {}) });
  }
}

const HostOps = z
  .object({
    readout: z.string(),
    ops: z.array(
      z.discriminatedUnion('op', [
        z.object({
          op: z.literal('slice'),
          id: z.string(),
          inputs: z.array(z.string()),
          start: z.number().int(),
          stop: z.number().int(),
        }),
        z.object({ op: z.literal('product'), id: z.string(), inputs: z.array(z.string()), rank: z.number().int() }),
        z.object({ op: z.literal('concat'), id: z.string(), inputs: z.array(z.string()) }),
      ]),
    ),
    output: z.string(),
  })
  .strict();

/**
 * The host ops of the Output at `path` (metadata spikec_host: a SPINN's slices and product), added after
 * the readout `readout`; returns the node the network's output reads.
 */
function addHostOps(t: NirTree, path: string, b: GraphBuilder, readout: string): string {
  const json = t.attrJson(path, 'spikec_host');
  if (json === undefined) return readout;
  const parsed = HostOps.safeParse(json);
  if (!parsed.success)
    return t.fail(`${path} attribute spikec_host`, `not spikec's host ops (${parsed.error.issues[0].message})`);
  const ids = new Map([[parsed.data.readout, readout]]);
  for (const { op, id, inputs, ...attrs } of parsed.data.ops) {
    const missing = inputs.find((i) => !ids.has(i));
    if (missing) t.fail(`${path} attribute spikec_host`, `op '${id}' reads '${missing}', which comes before no op`);
    try {
      ids.set(id, b.add({ kind: `ann.${op}`, id, inputs: inputs.map((i) => ids.get(i)!), ...attrs } as never));
    } catch (e) {
      t.fail(`${path} attribute spikec_host`, `op '${id}': ${(e as Error).message}`);
    }
  }
  const out = ids.get(parsed.data.output);
  return out ?? t.fail(`${path} attribute spikec_host`, `output '${parsed.data.output}' is no op`);
}

/** The edges as source -> target, each a known node with at most one successor. */
function edgesOf(t: NirTree, names: ReadonlySet<string>): Map<string, string> {
  const flat = t.strings('node/edges');
  if (flat.length % 2 !== 0) t.fail('node/edges', `expected [source, target] pairs, found ${flat.length} names`);
  const next = new Map<string, string>();
  for (let k = 0; k < flat.length; k += 2) {
    const [src, dst] = [flat[k], flat[k + 1]];
    for (const n of [src, dst])
      if (!names.has(n)) t.fail('node/edges', `names node '${n}', which node/nodes does not hold`);
    if (next.has(src)) t.fail('node/edges', `node '${src}' has more than one successor; spikec reads a chain`);
    next.set(src, dst);
  }
  return next;
}
