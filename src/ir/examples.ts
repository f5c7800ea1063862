/** Small hand-written graphs: the demo's starting point and the tests' fixtures. */
import { GraphBuilder } from './build.js';
import type { Graph } from './graph.js';
import { f32, i32 } from './tensor.js';

/** A 2 -> 3 tanh -> 1 MLP with fixed weights: small enough to read in a golden file. */
export function exampleMlp(): Graph {
  const b = new GraphBuilder('tiny');
  const x = b.add({
    kind: 'ann.input',
    id: 'x',
    inputs: [],
    dims: 2,
    names: ['x', 'y'],
    domain: [
      [0, 1],
      [0, 1],
    ],
  });
  const h = b.add({
    kind: 'ann.dense',
    id: 'h0',
    inputs: [x],
    weight: f32([3, 2], [0.5, -1, 1.25, 0.75, -0.5, 2]),
    bias: f32([3], [0.1, 0, -0.2]),
  });
  const a = b.add({ kind: 'ann.act', id: 'a0', inputs: [h], fn: 'tanh' });
  const o = b.add({
    kind: 'ann.dense',
    id: 'h1',
    inputs: [a],
    weight: f32([1, 3], [1, -2, 0.5]),
    bias: f32([1], [0.25]),
  });
  b.add({ kind: 'ann.output', id: 'u', inputs: [o], names: ['u'] });
  return b.build();
}

/** The same MLP in the snn dialect, fixed-point, to exercise every snn op. */
export function exampleSnn(): Graph {
  const b = new GraphBuilder('tiny_snn');
  const x = b.add({ kind: 'snn.encoder', id: 'x', inputs: [], dims: 2, mode: 'graded', payloadBits: 8 });
  const s0 = b.add({
    kind: 'snn.synapse',
    id: 's0',
    inputs: [x],
    weight: { kind: 'int', mantissa: i32([3, 2], [12, -100, 127, -128, 0, 5]), exponent: -2, bits: 8 },
    placement: [{ chip: 0, core: 0, start: 0, stop: 3 }],
  });
  const n0 = b.add({
    kind: 'snn.neurons',
    id: 'n0',
    inputs: [s0],
    model: 'if',
    arith: 'fixed',
    threshold: 256,
    reset: 'subtract',
    currentDecay: 4095,
    voltageDecay: 0,
    bias: i32([3], [1, -4096, 4095]),
    biasExp: 6,
    initialV: i32([3], [0, 8192, -3]),
    spikeSign: 'signed',
    payloadBits: 0,
  });
  return withReadout(b, n0, 2, [2, 66]);
}

/**
 * A float network as `--target nir` builds it (src/backends/nir.ts): raw inputs, neurons that reset to
 * zero, rest until their input arrives and fire above threshold, a readout averaging its whole window.
 */
export function exampleNirSnn(): Graph {
  const b = new GraphBuilder('tiny_nir');
  const x = b.add({ kind: 'snn.encoder', id: 'x', inputs: [], dims: 2, mode: 'current' });
  const s0 = b.add({
    kind: 'snn.synapse',
    id: 's0',
    inputs: [x],
    weight: { kind: 'float', values: f32([3, 2], [0.75, -0.5, 1.25, 0.25, -0.125, 0.5]) },
  });
  const n0 = b.add({
    kind: 'snn.neurons',
    id: 'n0',
    inputs: [s0],
    model: 'if',
    arith: 'float',
    threshold: 1,
    reset: 'zero',
    currentDecay: 1,
    voltageDecay: 0,
    bias: f32([3], [0.125, 0.25, 0.5]),
    initialV: f32([3], [0, 0, 0]),
    onset: 'window',
    fireAbove: true,
    spikeSign: 'unsigned',
    payloadBits: 0,
  });
  return withReadout(b, n0, 1, [2, 34]);
}

/** The example networks' readout of their 3 neurons `n0`: y = scale (0.5, 0.25, -1) . counts / T - 0.5. */
function withReadout(b: GraphBuilder, n0: string, scale: number, window: [number, number]): Graph {
  const s1 = b.add({
    kind: 'snn.synapse',
    id: 's1',
    inputs: [n0],
    weight: { kind: 'float', values: f32([1, 3], [0.5, 0.25, -1]) },
  });
  const r = b.add({
    kind: 'snn.readout',
    id: 'r',
    inputs: [s1],
    scale: f32([1], [scale]),
    offset: f32([1], [-0.5]),
    window,
  });
  b.add({ kind: 'ann.output', id: 'u', inputs: [r] });
  return b.build();
}

/** A seeded MLP: its shape, and where its weights come from. */
export interface TanhMlpSpec {
  readonly name: string;
  /** The input box (one interval per input). */
  readonly domain: readonly (readonly [number, number])[];
  /** Widths of the dense layers; tanh follows every one but the last, which feeds the output. */
  readonly widths: readonly number[];
  /** Dense layer l's weight k ([width, fanIn] row-major) and bias k, drawn in that order, layer by layer. */
  readonly weight: (l: number, fanIn: number, k: number) => number;
  readonly bias: (l: number, k: number) => number;
  /** Ids of dense layer l and of its tanh (default d<l> and a<l>). */
  readonly ids?: (l: number) => readonly [string, string];
}

/** An ann-dialect tanh MLP from input `x` to output `u` (test and benchmark networks). */
export function tanhMlp(spec: TanhMlpSpec): Graph {
  const ids = spec.ids ?? ((l: number) => [`d${l}`, `a${l}`] as const);
  const b = new GraphBuilder(spec.name);
  let h = b.add({ kind: 'ann.input', id: 'x', inputs: [], dims: spec.domain.length, domain: spec.domain });
  let fanIn = spec.domain.length;
  for (const [l, w] of spec.widths.entries()) {
    const [dense, act] = ids(l);
    const weight = f32(
      [w, fanIn],
      Array.from({ length: w * fanIn }, (_, k) => spec.weight(l, fanIn, k)),
    );
    const bias = f32(
      [w],
      Array.from({ length: w }, (_, k) => spec.bias(l, k)),
    );
    h = b.add({ kind: 'ann.dense', id: dense, inputs: [h], weight, bias });
    if (l < spec.widths.length - 1) h = b.add({ kind: 'ann.act', id: act, inputs: [h], fn: 'tanh' });
    fanIn = w;
  }
  b.add({ kind: 'ann.output', id: 'u', inputs: [h] });
  return b.build();
}
