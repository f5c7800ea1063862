import { type Graph, GraphBuilder, f32 } from '../../src/ir/index.js';

/** encoder -> n IF neurons -> a readout summing all n: a network as wide as a test needs (hardware limits). */
export function wideSnn(n: number, domain?: [number, number][]): Graph {
  const b = new GraphBuilder('huge');
  const x = b.add({
    kind: 'snn.encoder',
    id: 'x',
    inputs: [],
    dims: 1,
    mode: 'current',
    ...(domain ? { domain } : {}),
  });
  const s = b.add({
    kind: 'snn.synapse',
    id: 's',
    inputs: [x],
    weight: { kind: 'float', values: f32([n, 1], new Array(n).fill(1)) },
  });
  const zeros = f32([n], new Array(n).fill(0));
  const p = b.add({
    kind: 'snn.neurons',
    id: 'wide',
    inputs: [s],
    model: 'if',
    arith: 'float',
    threshold: 1,
    reset: 'subtract',
    currentDecay: 1,
    voltageDecay: 0,
    bias: zeros,
    initialV: zeros,
    spikeSign: 'unsigned',
    payloadBits: 0,
  });
  const s2 = b.add({
    kind: 'snn.synapse',
    id: 's2',
    inputs: [p],
    weight: { kind: 'float', values: f32([1, n], new Array(n).fill(1)) },
  });
  const r = b.add({
    kind: 'snn.readout',
    id: 'r',
    inputs: [s2],
    scale: f32([1], [1]),
    offset: f32([1], [0]),
    window: [2, 10],
  });
  b.add({ kind: 'ann.output', id: 'u', inputs: [r] });
  return b.build();
}
