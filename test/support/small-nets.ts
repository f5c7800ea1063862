import { type Graph, GraphBuilder, f32 } from '../../src/ir/index.js';

/** 2 -> 8 -> 8 -> 1 tanh MLP. */
export function mlp(): Graph {
  const b = new GraphBuilder('mlp');
  let prev = b.add({
    kind: 'ann.input',
    id: 'x',
    inputs: [],
    dims: 2,
    domain: [
      [0, 1],
      [0, 1],
    ],
  });
  let width = 2;
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let l = 0; l < 2; l++) {
    const d = b.add({
      kind: 'ann.dense',
      id: `d${l}`,
      inputs: [prev],
      weight: f32(
        [8, width],
        Array.from({ length: 8 * width }, () => 2 * rnd()),
      ),
      bias: f32([8], Array.from({ length: 8 }, rnd)),
    });
    prev = b.add({ kind: 'ann.act', id: `a${l}`, inputs: [d], fn: 'tanh' });
    width = 8;
  }
  const out = b.add({
    kind: 'ann.dense',
    id: 'd2',
    inputs: [prev],
    weight: f32([1, 8], Array.from({ length: 8 }, rnd)),
    bias: f32([1], [0.2]),
  });
  b.add({ kind: 'ann.output', id: 'u', inputs: [out] });
  return b.build();
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
  const n = b.add({
    kind: 'snn.neurons',
    id: 'n',
    inputs: [s],
    model: 'if',
    arith: 'float',
    threshold: 1,
    reset: 'subtract',
    currentDecay: 1,
    voltageDecay: 0,
    bias: f32([1], [0]),
    initialV: f32([1], [0.5]),
    spikeSign: 'unsigned',
    payloadBits: 0,
  });
  const r = b.add({
    kind: 'snn.synapse',
    id: 'r.syn',
    inputs: [n],
    weight: { kind: 'float', values: f32([1, 1], [1]) },
  });
  const o = b.add({
    kind: 'snn.readout',
    id: 'r',
    inputs: [r],
    scale: f32([1], [1]),
    offset: f32([1], [0]),
    window: [2, 2 + T],
  });
  b.add({ kind: 'ann.output', id: 'y', inputs: [o] });
  return b.build();
}
