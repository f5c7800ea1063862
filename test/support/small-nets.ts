import { type Graph, GraphBuilder, f32, tanhMlp } from '../../src/ir/index.js';

export interface MlpShape {
  readonly name: string;
  readonly hidden: number;
  readonly seed: number;
  /** Hidden weights are uniform in +-weightScale, hidden biases in +-biasScale. */
  readonly weightScale: number;
  readonly biasScale: number;
  readonly outBias: number;
}

/** A 2 -> 8 x hidden -> 1 tanh MLP with seeded uniform weights; by default 2 -> 8 -> 8 -> 1. */
export function mlp(shape: Partial<MlpShape> = {}): Graph {
  const {
    name,
    hidden,
    seed: seed0,
    weightScale,
    biasScale,
    outBias,
  } = {
    ...{ name: 'mlp', hidden: 2, seed: 11, weightScale: 2, biasScale: 1, outBias: 0.2 },
    ...shape,
  };
  let seed = seed0;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return tanhMlp({
    name,
    domain: [
      [0, 1],
      [0, 1],
    ],
    widths: [...Array<number>(hidden).fill(8), 1],
    weight: (l) => (l < hidden ? weightScale * rnd() : rnd()),
    bias: (l) => (l < hidden ? biasScale * rnd() : outBias),
  });
}

/** One float integrate-and-fire neuron (threshold 1, subtract reset, no bias) reading `input`; its id. */
export function addIfNeuron(b: GraphBuilder, id: string, input: string, initialV = 0): string {
  return b.add({
    kind: 'snn.neurons',
    id,
    inputs: [input],
    model: 'if',
    arith: 'float',
    threshold: 1,
    reset: 'subtract',
    currentDecay: 1,
    voltageDecay: 0,
    bias: f32([1], [0]),
    initialV: f32([1], [initialV]),
    spikeSign: 'unsigned',
    payloadBits: 0,
  });
}

/** encoder -> one neuron (threshold 1, no bias) -> readout: the readout decodes the neuron's rate. */
export function oneNeuron(T: number): Graph {
  const b = new GraphBuilder('one');
  const x = b.add({ kind: 'snn.encoder', id: 'x', inputs: [], dims: 1, mode: 'current' });
  const s = b.add({
    kind: 'snn.synapse',
    id: 'n.syn',
    inputs: [x],
    weight: { kind: 'float', values: f32([1, 1], [1]) },
  });
  addSumReadout(b, addIfNeuron(b, 'n', s, 0.5), 1, [2, 2 + T], 'y');
  return b.build();
}

/** A readout `r` summing the `width` units of `source` over `window`, and the output `out` reading it. */
export function addSumReadout(
  b: GraphBuilder,
  source: string,
  width: number,
  window: [number, number],
  out = 'u',
): string {
  const syn = b.add({
    kind: 'snn.synapse',
    id: 'r.syn',
    inputs: [source],
    weight: { kind: 'float', values: f32([1, width], Array(width).fill(1)) },
  });
  const r = b.add({ kind: 'snn.readout', id: 'r', inputs: [syn], scale: f32([1], [1]), offset: f32([1], [0]), window });
  return b.add({ kind: 'ann.output', id: out, inputs: [r] });
}
