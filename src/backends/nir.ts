import { type FormatLimits, type Graph, IrError, type NodeOf } from '../ir/index.js';
import { type SnnChain, isSigmaDelta, snnChain, weightShape } from './chain.js';
import { type H5Group, float32Array, writeHdf5Atomic } from './hdf5.js';

export const NIR_VERSION = '1.0.0';

/**
 * What a NIR reader runs, in NIR's own nodes and fields (README, formats): discrete time, one step per
 * time step, t = 0 .. T-1, every edge without delay (each step evaluates the nodes in the chain's order).
 *   Input:  x, the query's raw values, the same at every step
 *   Affine: y_t = W x_t + b
 *   IF:     v_t = v_{t-1} + r I_t (r = 1, v_{-1} = 0); z_t = 1 if v_t > v_threshold; then v_t = v_reset = 0
 *   Output: y_t; the network's answer is the mean of y_t over the T steps
 * spikec's networks for `nir` are built so (NIR_LIMITS): float, reset to zero, each layer resting until
 * its input arrives (onset 'window': spikec's one-step synapses only shift layer d by d steps), firing
 * strictly above threshold, the input scaling folded into the first Affine, the readout averaging its
 * whole window. Values are float32; readers summing them in float64 get spikec's spikes exactly.
 */
export const NIR_LIMITS: FormatLimits = {
  chain: true,
  hostOps: false,
  sigmaDelta: false,
  signedSpikes: false,
  reset: 'zero',
  restStart: true,
  zeroDelay: true,
  real: true,
};

type Neurons = NodeOf<'snn.neurons'>;

/** Why `g` is not a network NIR's fields state exactly (empty: it is), each reason naming the node. */
export function nirProblems(g: Graph): string[] {
  if (isSigmaDelta(g))
    return ['NIR has no sigma-delta neuron (and no graded spikes between layers): compile with --coding rate'];
  const chain = snnChain(g, 'nir');
  const out: string[] = [];
  const e = chain.encoder;
  if (e.mode !== 'current' || e.normalization || e.biasChannel !== undefined)
    out.push(`%${e.id}: NIR's Input takes the query's raw values (no scaling, rounding or bias channel)`);
  if (chain.host.length)
    out.push(
      `%${chain.output.id}: NIR has no node for ${chain.host.map((h) => `%${h.id} (${h.kind})`).join(', ')}, ` +
        "the host ops after the readout (a SPINN's product of its branches)",
    );
  chain.layers.forEach(({ synapse, target }, depth) => {
    if (synapse.weight.kind !== 'float') out.push(`%${synapse.id}: integer weights (NIR's Affine is real)`);
    if (target.kind === 'snn.neurons') out.push(...populationProblems(target));
    else if (target.kind === 'snn.readout') {
      const [lo] = target.window;
      if ((target.decode ?? 'mean') !== 'mean' || lo !== depth + 1)
        out.push(`%${target.id}: NIR's Output is read every step; the readout must average [${depth + 1}, ...)`);
      if (target.scale.data.some((s) => s !== 1)) out.push(`%${target.id}: a decoding scale other than 1`);
    }
  });
  return out;
}

function populationProblems(n: Neurons): string[] {
  const why: string[] = [];
  if (n.model !== 'if' || n.currentDecay !== 1 || n.voltageDecay !== 0) why.push('not integrate-and-fire');
  if (n.arith !== 'float') why.push('fixed-point arithmetic');
  if (n.reset !== 'zero') why.push(`reset ${n.reset} (NIR's IF resets to v_reset)`);
  if (n.spikeSign !== 'unsigned' || n.payloadBits !== 0) why.push('spikes other than binary');
  if (n.initialV.data.some((v) => v !== 0)) why.push('a start potential other than 0');
  if (n.onset !== 'window') why.push('integrates before its input arrives (NIR has no synaptic delay)');
  if (!n.fireAbove) why.push("fires at the threshold (NIR's IF fires above it)");
  if (Math.fround(n.threshold) !== n.threshold) why.push(`threshold ${n.threshold} is not a float32`);
  return why.length ? [`%${n.id}: ${why.join(', ')}`] : [];
}

/** Extra information a NIR reader may show (never needs): a dataset in the node's `metadata` group. */
function metadata(node: H5Group, name: string, value: string | readonly number[]): void {
  const group = (node.get('metadata') as H5Group | null) ?? node.create_group('metadata');
  if (typeof value === 'string') group.create_dataset({ name, data: value });
  else group.create_dataset({ name, data: Float64Array.from(value), shape: [value.length] });
}

/** A NIR node: its name and what fills its group. */
type NirNode = [string, (grp: H5Group) => void];

function affineNode(synapse: NodeOf<'snn.synapse'>, bias: readonly number[]): NirNode {
  const [out, inW] = weightShape(synapse);
  const W = synapse.weight.kind === 'float' ? synapse.weight.values.data : [];
  return [
    synapse.id,
    (n) => {
      n.create_dataset({ name: 'type', data: 'Affine' });
      float32Array(n, 'weight', W, [out, inW]);
      float32Array(n, 'bias', bias, [out]);
    },
  ];
}

function ifNode(target: Neurons): NirNode {
  const out = target.bias.data.length;
  return [
    target.id,
    (n) => {
      n.create_dataset({ name: 'type', data: 'IF' });
      float32Array(n, 'r', Array(out).fill(1), [out]);
      float32Array(n, 'v_threshold', Array(out).fill(target.threshold), [out]);
      float32Array(n, 'v_reset', Array(out).fill(0), [out]);
    },
  ];
}

function inputNode(e: SnnChain['encoder']): NirNode {
  return [
    e.id,
    (n) => {
      n.create_dataset({ name: 'type', data: 'Input' });
      float32Array(n, 'shape', [e.dims], [1]);
      if (e.names) metadata(n, 'spikec_names', JSON.stringify(e.names));
      if (e.domain) metadata(n, 'spikec_domain', JSON.stringify(e.domain));
    },
  ];
}

function outputNode(chain: SnnChain, readout: NodeOf<'snn.readout'>): NirNode {
  return [
    readout.id,
    (n) => {
      n.create_dataset({ name: 'type', data: 'Output' });
      float32Array(n, 'shape', [readout.offset.data.length], [1]);
      // the steps spikec averages (a reader's choice of T; the file's network is the same for any)
      metadata(n, 'spikec_steps', [readout.window[1] - readout.window[0]]);
      if (chain.output.names) metadata(n, 'spikec_names', JSON.stringify(chain.output.names));
    },
  ];
}

/**
 * A NIR graph in HDF5, as `nir.write` lays it out (shared/reference/formats.md): dataset `version`;
 * group `node` with `type` = "NIRGraph", `nodes/<name>` and `edges` [[source, target], ...]:
 * Input -> (Affine -> IF)* -> Affine -> Output, with the meaning NIR_LIMITS states. A network NIR's
 * fields cannot state is refused (nirProblems), never written to run differently.
 */
export async function writeNir(g: Graph, path: string): Promise<void> {
  const problems = nirProblems(g);
  if (problems.length) throw new IrError(`nir: NIR's fields cannot state this network:\n  ${problems.join('\n  ')}`);
  const chain = snnChain(g, 'nir');
  const nodes: NirNode[] = [inputNode(chain.encoder)];
  const edges: [string, string][] = [];
  let prev = chain.encoder.id;
  for (const { synapse, target } of chain.layers) {
    if (target.kind === 'snn.neurons') nodes.push(affineNode(synapse, target.bias.data), ifNode(target));
    else if (target.kind === 'snn.readout')
      nodes.push(affineNode(synapse, target.offset.data), outputNode(chain, target));
    edges.push([prev, synapse.id], [synapse.id, target.id]);
    prev = target.id;
  }
  await writeHdf5Atomic(path, (f) => {
    f.create_dataset({ name: 'version', data: NIR_VERSION });
    const node = f.create_group('node');
    node.create_dataset({ name: 'type', data: 'NIRGraph' });
    const group = node.create_group('nodes');
    for (const [name, fill] of nodes) fill(group.create_group(name));
    node.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  });
}
