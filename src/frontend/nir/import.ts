import { type Graph, GraphBuilder, IrError, f32, verify } from '../../ir/index.js';
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
 * Input -> Affine -> IF -> ... -> Affine -> Output, run as NIR states it (src/backends/nir.ts: no delay,
 * IF from rest, firing above threshold and resetting to 0, the answer the mean of the Output over T
 * steps). Every stored shape is checked against the chain (an Affine's weight is [out, in] with `in`
 * the width before it). NIR's fields are all it needs; of spikec's metadata it reads the input's names
 * and domain and the number of steps.
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

/** An Affine read as a synapse: its id, outputs and bias (which the IF or readout after it adds). */
interface AffineRead {
  readonly id: string;
  readonly out: number;
  readonly bias: readonly number[];
}

/** The ops of a NIR chain, one node at a time (buildGraph walks the chain). */
class ChainReader {
  constructor(
    private readonly t: NirTree,
    readonly b: GraphBuilder,
  ) {}

  /** The Input as an snn.encoder of the query's raw values (spikec_ metadata, where present: names, domain). */
  encoder(inName: string): { id: string; width: number } {
    const { t, b } = this;
    const p = nodePath(inName);
    const inShape = t.numbers(`${p}/shape`, 1).values;
    const dims = inShape[0];
    if (inShape.length !== 1 || !Number.isInteger(dims) || dims < 1)
      t.fail(`${p}/shape`, `expected one positive integer, found [${inShape.join(', ')}]`);
    const extras = Object.fromEntries(
      (['names', 'domain'] as const).flatMap((k) => {
        const v = t.attrJson(p, `spikec_${k}`);
        return v === undefined ? [] : [[k, v]];
      }),
    );
    return {
      id: b.add({ kind: 'snn.encoder', id: inName, inputs: [], dims, mode: 'current', ...extras }),
      width: dims,
    };
  }

  /** An Affine reading `source` (of `width` units) as an snn.synapse; its bias goes to what it feeds. */
  synapse(node: string, source: string, width: number): AffineRead {
    const t = this.t;
    const p = nodePath(node);
    const w = t.numbers(`${p}/weight`, 2);
    const [out, inW] = w.shape;
    if (inW !== width)
      t.fail(
        `${p}/weight`,
        `shape [${w.shape.join(', ')}] takes ${inW} inputs, but the layer before it has ${width} ` +
          '(NIR stores an Affine weight as [out, in])',
      );
    const bias = t.has(`${p}/bias`) ? t.numbers(`${p}/bias`, 1).values : Array<number>(out).fill(0);
    if (bias.length !== out)
      t.fail(`${p}/bias`, `has ${bias.length} values; the weight [${w.shape.join(', ')}] has ${out} outputs`);
    const weight = { kind: 'float' as const, values: f32([out, inW], w.values) };
    return { id: this.b.add({ kind: 'snn.synapse', id: node, inputs: [source], weight }), out, bias };
  }

  /**
   * An IF node after an Affine as an snn.neurons population with NIR's IF semantics: float, reset to
   * v_reset = 0, at rest until its input arrives (no synaptic delay in NIR), firing above v_threshold.
   */
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
    const problems = [
      ...(th.some((x) => x !== th[0]) ? ['per-neuron thresholds differ; spikec populations share one threshold'] : []),
      ...(th[0] > 0 ? [] : [`v_threshold ${th[0]} is not positive`]),
      ...(perNeuron('r', false)?.some((r) => r !== 1) ? ['r other than 1; spikec IF neurons add their input'] : []),
      ...(perNeuron('v_reset', false)?.some((v) => v !== 0) ? ['v_reset other than 0; spikec resets to 0'] : []),
    ];
    if (problems.length) t.fail(`node '${target}' (IF)`, problems.join('; '));
    return this.b.add({
      kind: 'snn.neurons',
      id: target,
      inputs: [affine.id],
      model: 'if',
      arith: 'float',
      threshold: th[0],
      reset: 'zero',
      currentDecay: 1,
      voltageDecay: 0,
      bias: f32([out], bias),
      initialV: f32([out], Array(out).fill(0)),
      onset: 'window',
      fireAbove: true,
      spikeSign: 'unsigned',
      payloadBits: 0,
    });
  }

  /**
   * An Output after an Affine: an snn.readout averaging the Affine's values over T steps from its
   * depth (the file's spikec_steps, else 64) and the ann.output.
   */
  output(target: string, affine: AffineRead, depth: number): void {
    const { t, b } = this;
    const p = nodePath(target);
    const { out, bias } = affine;
    if (t.has(`${p}/shape`)) {
      const s = t.numbers(`${p}/shape`).values;
      if (s.length !== 1 || s[0] !== out)
        t.fail(`${p}/shape`, `is [${s.join(', ')}]; the Affine before it has ${out} outputs`);
    }
    const T = t.attrNumbers(p, 'spikec_steps', 1)?.[0] ?? DEFAULT_STEPS;
    if (!Number.isInteger(T) || T < 1) t.fail(`${p} attribute spikec_steps`, `${T} is not a positive integer`);
    const r = b.add({
      kind: 'snn.readout',
      id: target,
      inputs: [affine.id],
      scale: f32([out], Array(out).fill(1)),
      offset: f32([out], bias),
      window: [depth, depth + T],
    });
    const outNames = t.attrJson(p, 'spikec_names') as string[] | undefined;
    b.add({ kind: 'ann.output', id: `${target}_out`, inputs: [r], ...(outNames ? { names: outNames } : {}) });
  }
}

/** How many steps an imported network averages where its file does not say (NIR has no duration). */
const DEFAULT_STEPS = 64;

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
