import { FIXED_LIMITS, type FormatLimits, type Graph, IrError, type NodeOf, SD_SPIKE_EXP } from '../ir/index.js';
import {
  type SnnChain,
  effectiveWeights,
  hostRecord,
  isSigmaDelta,
  snnChain,
  storedSparse,
  weightShape,
} from './chain.js';
import { type H5Group, int64, int64Array, writeHdf5Atomic } from './hdf5.js';

/**
 * What lava-dl's netx loader runs unchanged (shared/reference/formats.md, read from its source and
 * checked by running it): CUBA neurons that reset to zero and start at rest; integer weights that
 * `optimize_weight_bits` keeps, which is [-256, 254] (it clips a mixed-sign matrix to that range);
 * biases read as a 13-bit mantissa at exponent 6; binary spikes between CUBA layers; SDNN layers send
 * graded messages of 16 bits (netx's default: its NetDict cannot read a messageBits field).
 */
export const NETX_LIMITS: FormatLimits = {
  reset: 'zero',
  restStart: true,
  weightRange: [-256, 254],
  biasExp: 6,
  signedSpikes: false,
  messageBits: 16,
  chain: true,
};

const NETX_BIAS_EXP = NETX_LIMITS.biasExp!;
const [BIAS_MIN, BIAS_MAX] = FIXED_LIMITS.biasMantissa;

/** A population's biases as netx's mantissas at exponent 6 (fractions or out of range where it cannot hold them). */
const netxBias = (n: NodeOf<'snn.neurons'>): number[] =>
  n.bias.data.map((m) => m * 2 ** ((n.biasExp ?? 0) - NETX_BIAS_EXP));

const count = (xs: readonly number[], bad: (x: number) => boolean): number => xs.filter(bad).length;

/**
 * Every reason the netx loader would run `g` differently from spikec's simulation, each naming the
 * layer and the feature; empty when the file would run exactly this network.
 */
export function netxProblems(g: Graph): string[] {
  const chain = snnChain(g, 'lava-netx');
  const storage = new Set(chain.layers.map((l) => l.synapse.storage ?? 'dense'));
  const mixed =
    storage.size > 1 ? ['layers stored sparse and dense (netx loads every dense layer one way: sparse_fc_layer)'] : [];
  if (isSigmaDelta(g)) return [...mixed, ...sigmaDeltaProblems(g)];
  const problems: string[] = [...mixed];
  for (const { synapse, target } of chain.layers) {
    // the readout is decoded on the host: netx never clips its weights
    problems.push(...weightProblems(synapse, target.kind === 'snn.neurons'));
    if (target.kind !== 'snn.neurons') continue;
    if (target.arith !== 'fixed') problems.push(`%${target.id}: float neurons (quantize first)`);
    if (target.spikeSign === 'signed')
      problems.push(`%${target.id}: ternary spikes (netx has no such neuron; use --strategy pwl or clip)`);
    if (target.payloadBits > 0)
      problems.push(`%${target.id}: graded output spikes (netx's CUBA layer sends binary ones)`);
    if (target.reset !== NETX_LIMITS.reset)
      problems.push(`%${target.id}: reset by subtraction (netx's CUBA neuron resets to zero)`);
    const away = count(target.initialV.data, (v) => v !== 0);
    if (away) problems.push(`%${target.id}: ${away} neurons start away from rest (netx starts every neuron at v = 0)`);
    const bias = netxBias(target);
    const unfit = count(bias, (b) => !Number.isInteger(b) || b < BIAS_MIN || b > BIAS_MAX);
    if (target.arith === 'fixed' && unfit)
      problems.push(
        `%${target.id}: ${unfit} biases are not a mantissa in [${BIAS_MIN}, ${BIAS_MAX}] ` +
          `at exponent ${NETX_BIAS_EXP} (netx's only bias exponent)`,
      );
  }
  return problems;
}

/**
 * The weight problems of a synapse: float or fractional weights, and, where netx builds it into a
 * layer (`clipped`), weights its optimize_weight_bits would clip.
 */
function weightProblems(synapse: NodeOf<'snn.synapse'>, clipped: boolean): string[] {
  const [lo, hi] = NETX_LIMITS.weightRange!;
  if (synapse.weight.kind !== 'int') return [`%${synapse.id}: float weights (netx takes integers: quantize first)`];
  const problems: string[] = [];
  if (synapse.weight.exponent < 0)
    problems.push(`%${synapse.id}: weight exponent ${synapse.weight.exponent} (netx takes integer weights)`);
  const outside = count(effectiveWeights(synapse), (w) => w < lo || w > hi);
  if (outside && clipped)
    problems.push(
      `%${synapse.id}: ${outside} weights outside [${lo}, ${hi}] (netx's optimize_weight_bits would clip them)`,
    );
  return problems;
}

/**
 * A sigma-delta network as netx's SDNN layers run it (Lava's SigmaDelta, fixed_pt, state_exp 6 and
 * spike_exp SD_SPIKE_EXP, ReLU): integer weights netx keeps, fixed-point ReLU neurons, a sigma readout from step 0.
 */
function sigmaDeltaProblems(g: Graph): string[] {
  const chain = snnChain(g, 'lava-netx');
  const problems: string[] = [];
  if (chain.encoder.mode !== 'delta')
    problems.push(`%${chain.encoder.id}: a sigma-delta network's input is delta-encoded (mode delta)`);
  for (const { synapse, target } of chain.layers) {
    problems.push(...weightProblems(synapse, true));
    if (target.kind === 'snn.readout') {
      if (target.decode !== 'sigma' || target.window[0] !== 0)
        problems.push(`%${target.id}: netx's sigma output sums from step 0 (decode sigma, window [0, ...))`);
    } else if (target.kind === 'snn.sigma-delta') {
      if (target.arith !== 'fixed') problems.push(`%${target.id}: float neurons (quantize first)`);
      if (target.activation !== 'relu')
        problems.push(`%${target.id}: activation ${target.activation} (netx builds every SDNN layer as a ReLU)`);
    } else problems.push(`%${target.id}: rate-coded neurons in a sigma-delta network`);
  }
  return problems;
}

/** The encoder beside the layers (netx reads only `layer`): x' = round(x * scale + offset), payloadBits wide. */
function writeInput(root: H5Group, enc: NodeOf<'snn.encoder'>): H5Group {
  const g = root.create_group('input');
  const norm = enc.normalization ?? { scale: Array(enc.dims).fill(1), offset: Array(enc.dims).fill(0) };
  g.create_dataset({ name: 'scale', data: Float64Array.from(norm.scale), shape: [enc.dims] });
  g.create_dataset({ name: 'offset', data: Float64Array.from(norm.offset), shape: [enc.dims] });
  int64(g, 'payloadBits', enc.payloadBits ?? 0);
  return g;
}

/** The steps to run, as lava-dl's own exports record them. */
function writeSimulation(root: H5Group, steps: number, sparse = false): void {
  const sim = root.create_group('simulation');
  int64(sim, 'Ts', 1);
  int64(sim, 'tSample', steps);
  // the layers are stored sparse: load with sparse_fc_layer=True (netx takes it as an argument only)
  if (sparse) int64(sim, 'sparseFcLayer', 1);
}

/**
 * The ops the host runs on the decoded readout (a SPINN's slices and product), as a JSON string
 * `readout/host` (chain.ts's hostRecord); absent when there are none.
 */
function writeHost(readout: H5Group, chain: SnnChain): void {
  const host = hostRecord(chain);
  if (host) readout.create_dataset({ name: 'host', data: JSON.stringify(host) });
}

/** The readout, which netx cannot run (a dense layer without neuron integrates from step 0): decoded on the host. */
function writeReadout(root: H5Group, readout: NodeOf<'snn.readout'>, synapse: NodeOf<'snn.synapse'>): H5Group {
  const g = root.create_group('readout');
  const [out, inW] = weightShape(synapse);
  int64Array(g, 'weight', effectiveWeights(synapse), [out, inW]);
  g.create_dataset({ name: 'scale', data: Float64Array.from(readout.scale.data), shape: [out] });
  g.create_dataset({ name: 'offset', data: Float64Array.from(readout.offset.data), shape: [out] });
  int64Array(g, 'window', [...readout.window], [2]);
  return g;
}

/**
 * lava-dl netx HDF5 (what `netx.hdf5.Network` reads; shared/reference/formats.md): group `layer` with
 * one subgroup per layer `0`, `1`, ...: `type`, `shape`, integer `weight` [out, in], `bias`, and a
 * `neuron` group (CUBA: vThMant, iDecay = du + 1, vDecay = dv, refDelay, gradedSpike). Only a network
 * within NETX_LIMITS is written (compile with --target lava-netx legalizes it); anything else is
 * refused with every reason at once, never written to run differently.
 *
 * What the loader needs that its layers cannot hold, beside them (netx reads only `layer`):
 * - `input`: the encoder, x' = round(x * scale + offset) as graded spikes of `payloadBits` bits, every
 *   step: load with `netx.hdf5.Network(net_config=FILE, input_message_bits=payloadBits)`;
 * - `readout`: decoded on the host from the last layer's spikes, y = scale * (weight . c) / T + offset,
 *   c the spikes sent in steps [window[0] - 1, window[1] - 1) (one step of synaptic delay),
 *   T = window[1] - window[0]; run window[1] steps (`simulation/tSample`);
 * - `readout/host` (a SPINN's, whose branches compile into one chain): the ops the host then runs on y
 *   (JSON: `readout`, the id y goes by; `ops`, each slice, product or concat reading ids before it;
 *   `output`, the id of the network's output).
 */
export async function writeNetx(g: Graph, path: string): Promise<void> {
  const problems = netxProblems(g);
  if (problems.length)
    throw new IrError(
      `lava-netx cannot run this network as compiled (compile with --target lava-netx to legalize it):\n  ` +
        problems.join('\n  '),
    );
  if (isSigmaDelta(g)) return writeSigmaDeltaNetx(g, path);
  const chain = snnChain(g, 'lava-netx');
  const spiking = chain.layers.filter((l) => l.target.kind === 'snn.neurons');
  const last = chain.layers[chain.layers.length - 1];
  const readout = last.target as NodeOf<'snn.readout'>;
  const enc = chain.encoder;
  await writeHdf5Atomic(path, (f) => {
    const layer = f.create_group('layer');
    const input = layer.create_group('0');
    input.create_dataset({ name: 'type', data: 'input' });
    int64Array(input, 'shape', [enc.dims], [1]);
    spiking.forEach(({ synapse, target }, k) => {
      const n = target as NodeOf<'snn.neurons'>;
      const l = layer.create_group(String(k + 1));
      const [out, inW] = weightShape(synapse);
      l.create_dataset({ name: 'type', data: 'dense' });
      int64Array(l, 'shape', [out], [1]);
      int64Array(l, 'weight', effectiveWeights(synapse), [out, inW]);
      int64Array(l, 'bias', netxBias(n), [out]);
      const neuron = l.create_group('neuron');
      neuron.create_dataset({ name: 'type', data: 'CUBA' });
      int64(neuron, 'vThMant', n.threshold);
      int64(neuron, 'iDecay', n.currentDecay + 1);
      int64(neuron, 'vDecay', n.voltageDecay);
      int64(neuron, 'refDelay', 1);
      int64(neuron, 'gradedSpike', 0);
    });
    writeInput(f, enc);
    writeHost(writeReadout(f, readout, last.synapse), chain);
    writeSimulation(f, readout.window[1]);
  });
}

/**
 * A sigma-delta network as netx SDNN layers: `layer/0` the input (the encoder's dims and its bias
 * channel), then per population a dense layer with integer `weight` and a `neuron` group {type SDNN,
 * vThMant} (16-bit messages, NETX_LIMITS), and the readout as a dense layer whose neuron is netx's sigma
 * output (Lava's Sigma: the running sum of what it receives). Load with `netx.hdf5.Network(net_config=FILE,
 * input_message_bits=input/payloadBits, spike_exp=input/spikeExp, sparse_fc_layer=simulation/sparseFcLayer)`
 * (the file cannot set them: netx's reader ignores fields it does not know); send the query
 * x' = round(x * scale + offset) followed by `input/biasChannel` at step 0 and nothing after; after
 * `simulation/tSample` steps the output is
 * readout/scale * (the sigma layer's output) + readout/offset.
 */
async function writeSigmaDeltaNetx(g: Graph, path: string): Promise<void> {
  const chain = snnChain(g, 'lava-netx');
  const readout = chain.layers[chain.layers.length - 1].target as NodeOf<'snn.readout'>;
  const enc = chain.encoder;
  await writeHdf5Atomic(path, (f) => {
    const layer = f.create_group('layer');
    const input = layer.create_group('0');
    input.create_dataset({ name: 'type', data: 'input' });
    int64Array(input, 'shape', [weightShape(chain.layers[0].synapse)[1]], [1]);
    chain.layers.forEach(({ synapse, target }, k) => {
      const l = layer.create_group(String(k + 1));
      const [out, inW] = weightShape(synapse);
      l.create_dataset({ name: 'type', data: 'dense' });
      int64Array(l, 'shape', [out], [1]);
      int64Array(l, 'weight', effectiveWeights(synapse), [out, inW]);
      const neuron = l.create_group('neuron');
      neuron.create_dataset({ name: 'type', data: 'SDNN' });
      if (target.kind === 'snn.sigma-delta') {
        int64(neuron, 'vThMant', target.threshold);
        if (target.bias.data.some((b) => b !== 0)) int64Array(l, 'bias', [...target.bias.data], [out]);
      } else int64(neuron, 'sigma_output', 1);
    });
    const encoder = writeInput(f, enc);
    encoder.create_dataset({ name: 'coding', data: 'sigma-delta' });
    if (enc.biasChannel !== undefined) int64(encoder, 'biasChannel', enc.biasChannel);
    int64(encoder, 'spikeExp', SD_SPIKE_EXP);
    const r = f.create_group('readout');
    r.create_dataset({
      name: 'scale',
      data: Float64Array.from(readout.scale.data),
      shape: [readout.scale.data.length],
    });
    r.create_dataset({
      name: 'offset',
      data: Float64Array.from(readout.offset.data),
      shape: [readout.offset.data.length],
    });
    writeHost(r, chain);
    writeSimulation(f, readout.window[1], storedSparse(chain));
  });
}
