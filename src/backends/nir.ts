import { type Graph, IrError, type NodeOf, VOLTAGE_SCALE } from '../ir/index.js';
import { type SnnChain, effectiveWeights, hostRecord, isSigmaDelta, snnChain, weightShape } from './chain.js';
import { type H5Group, float32Array, writeHdf5Atomic } from './hdf5.js';

export const NIR_VERSION = '1.0.0';

/**
 * A NIR graph in HDF5, as `nir.write` lays it out (shared/reference/formats.md): dataset `version`;
 * group `node` with `type` = "NIRGraph", `nodes/<name>` and `edges` [[source, target], ...].
 *   encoder -> Input {shape};  synapse -> Affine {weight, bias = neuron bias};
 *   neurons -> IF {r, v_threshold, v_reset};
 *   readout synapse -> Affine {weight, bias = readout offset};  readout -> Output {shape}.
 * Fixed-point networks are written in their integer units (weights m 2^e, thresholds vth, biases in a_in units).
 * What NIR cannot say is kept in each node's metadata group (see `metadata`): spikec_reset ("subtract" has no
 * NIR form; NIR's IF resets to v_reset), spikec_spike_sign (ternary), spikec_initial_v, spikec_opening_v
 * (where the window opens), spikec_window (the readout averages its input over these steps), the
 * encoder's names and domain, and spikec_host: the ops the host runs on the Output's values (a SPINN's
 * slices and rank-r product, JSON as netx's readout/host), which a NIR graph has no node for.
 */
/**
 * Records what NIR cannot say in the node's `metadata` group, NIR's own place for it: `nir.read` loads
 * it into the node's `metadata` dict and `nir.write` writes it back, so it survives a NIR round trip.
 */
function metadata(node: H5Group, name: string, value: string | readonly number[]): void {
  const group = (node.get('metadata') as H5Group | null) ?? node.create_group('metadata');
  if (typeof value === 'string') group.create_dataset({ name, data: value });
  else group.create_dataset({ name, data: Float64Array.from(value), shape: [value.length] });
}

/**
 * An integer synapse's exponent and width: the Affine holds m 2^e (exact in float32 for Loihi's
 * mantissas), from which a reader recovers m.
 */
function integerWeights(node: H5Group, synapse: NodeOf<'snn.synapse'>): void {
  if (synapse.weight.kind !== 'int') return;
  metadata(node, 'spikec_weight_exp', [synapse.weight.exponent]);
  metadata(node, 'spikec_weight_bits', [synapse.weight.bits]);
}

/** A NIR node: its name and what fills its group. */
type NirNode = [string, (grp: H5Group) => void];

/** The Input node: the encoder (spikec_ metadata: names, domain, normalization, payload). */
function inputNode(e: SnnChain['encoder']): NirNode {
  return [
    e.id,
    (n) => {
      n.create_dataset({ name: 'type', data: 'Input' });
      float32Array(n, 'shape', [e.dims], [1]);
      if (e.names) metadata(n, 'spikec_names', JSON.stringify(e.names));
      if (e.domain) metadata(n, 'spikec_domain', JSON.stringify(e.domain));
      if (e.normalization) metadata(n, 'spikec_normalization', JSON.stringify(e.normalization));
      if (e.mode === 'graded' && e.payloadBits) metadata(n, 'spikec_payload_bits', [e.payloadBits]);
    },
  ];
}

/** An Affine and an IF node: a synapse and the population it feeds. */
function populationNodes(synapse: NodeOf<'snn.synapse'>, target: NodeOf<'snn.neurons'>): NirNode[] {
  const [out, inW] = weightShape(synapse);
  const W = effectiveWeights(synapse);
  const biasScale = target.arith === 'fixed' ? 2 ** (target.biasExp ?? 0) / VOLTAGE_SCALE : 1;
  const vScale = target.arith === 'fixed' ? 1 / VOLTAGE_SCALE : 1;
  return [
    [
      synapse.id,
      (n) => {
        n.create_dataset({ name: 'type', data: 'Affine' });
        float32Array(n, 'weight', W, [out, inW]);
        integerWeights(n, synapse);
        float32Array(
          n,
          'bias',
          target.bias.data.map((b) => b * biasScale),
          [out],
        );
      },
    ],
    [
      target.id,
      (n) => {
        n.create_dataset({ name: 'type', data: 'IF' });
        float32Array(n, 'r', Array(out).fill(1), [out]);
        float32Array(n, 'v_threshold', Array(out).fill(target.threshold), [out]);
        float32Array(n, 'v_reset', Array(out).fill(0), [out]);
        metadata(n, 'spikec_reset', target.reset);
        if (target.arith === 'fixed') {
          metadata(n, 'spikec_arith', 'fixed');
          metadata(n, 'spikec_bias_exp', [target.biasExp ?? 0]);
          metadata(n, 'spikec_decays', [target.currentDecay, target.voltageDecay]);
        }
        metadata(n, 'spikec_spike_sign', target.spikeSign);
        metadata(
          n,
          'spikec_initial_v',
          target.initialV.data.map((v) => v * vScale),
        );
        if (target.openingV)
          metadata(
            n,
            'spikec_opening_v',
            target.openingV.data.map((v) => v * vScale),
          );
      },
    ],
  ];
}

/** An Affine and the Output node: the readout's synapse (its decoding scale folded in) and the readout. */
function outputNodes(chain: SnnChain, synapse: NodeOf<'snn.synapse'>, target: NodeOf<'snn.readout'>): NirNode[] {
  const [out, inW] = weightShape(synapse);
  const W = effectiveWeights(synapse);
  return [
    [
      synapse.id,
      (n) => {
        n.create_dataset({ name: 'type', data: 'Affine' });
        float32Array(
          n,
          'weight',
          W.map((w, k) => w * target.scale.data[Math.floor(k / inW)]),
          [out, inW],
        );
        float32Array(n, 'bias', [...target.offset.data], [out]);
        integerWeights(n, synapse);
        if (synapse.weight.kind === 'int') metadata(n, 'spikec_readout_scale', target.scale.data);
      },
    ],
    [
      target.id,
      (n) => {
        n.create_dataset({ name: 'type', data: 'Output' });
        float32Array(n, 'shape', [out], [1]);
        metadata(n, 'spikec_window', [...target.window]);
        if (chain.output.names) metadata(n, 'spikec_names', JSON.stringify(chain.output.names));
        const host = hostRecord(chain);
        if (host) metadata(n, 'spikec_host', JSON.stringify(host));
      },
    ],
  ];
}

export async function writeNir(g: Graph, path: string): Promise<void> {
  if (isSigmaDelta(g))
    throw new IrError(
      'nir: NIR has no sigma-delta neuron (and no graded spikes between layers): compile with --coding rate, ' +
        'or write lava-netx or lava-py',
    );
  const chain = snnChain(g, 'nir');
  const nodes: NirNode[] = [inputNode(chain.encoder)];
  const edges: [string, string][] = [];
  let prev = chain.encoder.id;
  for (const { synapse, target } of chain.layers) {
    if (target.kind === 'snn.neurons') nodes.push(...populationNodes(synapse, target));
    else if (target.kind === 'snn.readout') nodes.push(...outputNodes(chain, synapse, target));
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
