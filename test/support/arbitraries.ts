import fc from 'fast-check';
import { GraphBuilder, type Graph, type Tensor } from '../../src/ir/index.js';

const anyF32 = fc.float({ noNaN: true, noDefaultInfinity: true });
const tensorF32 = (shape: number[], f32Value: fc.Arbitrary<number> = anyF32): fc.Arbitrary<Tensor> =>
  fc
    .array(f32Value, { minLength: shape[0] * (shape[1] ?? 1), maxLength: shape[0] * (shape[1] ?? 1) })
    .map((data) => ({ dtype: 'f32', shape, data }));
const tensorI32 = (shape: number[], lo: number, hi: number): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.integer({ min: lo, max: hi }), {
      minLength: shape[0] * (shape[1] ?? 1),
      maxLength: shape[0] * (shape[1] ?? 1),
    })
    .map((data) => ({ dtype: 'i32', shape, data }));

const widthArb = fc.integer({ min: 1, max: 6 });
const actArb = fc.constantFrom('tanh', 'sin', 'sigmoid', 'softplus', 'silu', 'relu', 'identity') as fc.Arbitrary<
  'tanh' | 'sin' | 'sigmoid' | 'softplus' | 'silu' | 'relu' | 'identity'
>;

/**
 * Random valid ann-dialect MLPs with values from `f32Value`, optionally with a pwl activation and a
 * normalised input.
 */
export const annGraphOf = (f32Value: fc.Arbitrary<number>): fc.Arbitrary<Graph> =>
  fc
    .record({
      name: fc.string(),
      dims: widthArb,
      widths: fc.array(widthArb, { minLength: 1, maxLength: 4 }),
      acts: fc.array(actArb, { minLength: 4, maxLength: 4 }),
      seed: fc.integer(),
      pwl: fc.boolean(),
    })
    .chain((r) => {
      const shapes: number[][] = [];
      let prev = r.dims;
      for (const w of [...r.widths, 1]) {
        shapes.push([w, prev]);
        prev = w;
      }
      return fc.record({
        r: fc.constant(r),
        weights: fc.tuple(...shapes.map((s) => tensorF32(s, f32Value))),
        biases: fc.tuple(...shapes.map((s) => tensorF32([s[0]], f32Value))),
        scale: fc.array(f32Value, { minLength: r.dims, maxLength: r.dims }),
        knots: fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 6 }),
      });
    })
    .map(({ r, weights, biases, scale, knots }) => {
      const b = new GraphBuilder(r.name);
      let cur = b.add({
        kind: 'ann.input',
        inputs: [],
        dims: r.dims,
        domain: Array.from({ length: r.dims }, () => [-1, 1] as const),
        normalization: { scale, offset: scale.map((s) => -s / 2) },
      });
      weights.forEach((w, i) => {
        cur = b.add({ kind: 'ann.dense', inputs: [cur], weight: w, bias: biases[i] });
        if (i < weights.length - 1) {
          const xs = [...knots].sort((p, q) => p - q).map((k) => k / 100);
          cur =
            r.pwl && i === 0
              ? b.add({ kind: 'ann.act', inputs: [cur], fn: 'pwl', table: { x: xs, y: xs.map(Math.sin) } })
              : b.add({ kind: 'ann.act', inputs: [cur], fn: r.acts[i % r.acts.length] });
        }
      });
      b.add({ kind: 'ann.output', inputs: [cur], names: ['u'] });
      return b.build();
    });

export const annGraph = annGraphOf(anyF32);

/** Random valid snn-dialect chains in float or fixed arithmetic. */
export const snnGraph: fc.Arbitrary<Graph> = fc
  .record({
    name: fc.string(),
    dims: widthArb,
    widths: fc.array(widthArb, { minLength: 1, maxLength: 3 }),
    fixed: fc.boolean(),
    signed: fc.boolean(),
    bits: fc.integer({ min: 1, max: 8 }),
    exponent: fc.integer({ min: -8, max: 7 }),
  })
  .chain((r) => {
    const shapes: number[][] = [];
    let prev = r.dims;
    for (const w of [...r.widths, 2]) {
      shapes.push([w, prev]);
      prev = w;
    }
    const lim = 2 ** (r.bits - 1);
    return fc.record({
      r: fc.constant(r),
      weights: fc.tuple(...shapes.map((s) => (r.fixed ? tensorI32(s, -lim, lim - 1) : tensorF32(s)))),
      biases: fc.tuple(...shapes.map((s) => (r.fixed ? tensorI32([s[0]], -4096, 4095) : tensorF32([s[0]])))),
      v0: fc.tuple(
        ...shapes.map((s) => (r.fixed ? tensorI32([s[0]], -(2 ** 23) + 1, 2 ** 23 - 1) : tensorF32([s[0]]))),
      ),
      threshold: r.fixed
        ? fc.integer({ min: 1, max: 2 ** 17 - 1 })
        : fc.float({ min: Math.fround(1e-3), max: 100, noNaN: true }),
      decay: r.fixed ? fc.integer({ min: 0, max: 4095 }) : fc.float({ min: 0, max: 1, noNaN: true }),
    });
  })
  .map(({ r, weights, biases, v0, threshold, decay }) => {
    const b = new GraphBuilder(r.name);
    let cur = b.add({ kind: 'snn.encoder', inputs: [], dims: r.dims, mode: 'current' });
    weights.forEach((w, i) => {
      const last = i === weights.length - 1;
      cur = b.add({
        kind: 'snn.synapse',
        inputs: [cur],
        weight: r.fixed
          ? { kind: 'int', mantissa: w, exponent: r.exponent, bits: r.bits }
          : { kind: 'float', values: w },
        placement: [{ chip: 0, core: i, start: 0, stop: w.shape[0] }],
      });
      if (last) {
        const n = w.shape[0];
        cur = b.add({
          kind: 'snn.readout',
          inputs: [cur],
          scale: { dtype: 'f32', shape: [n], data: Array(n).fill(1) },
          offset: biases[i].dtype === 'f32' ? biases[i] : { dtype: 'f32', shape: [n], data: Array(n).fill(0) },
          window: [i + 1, i + 65],
        });
      } else {
        cur = b.add({
          kind: 'snn.neurons',
          inputs: [cur],
          model: 'cuba-lif',
          arith: r.fixed ? 'fixed' : 'float',
          threshold,
          reset: r.signed ? 'subtract' : 'zero',
          currentDecay: decay,
          voltageDecay: decay,
          bias: biases[i],
          ...(r.fixed ? { biasExp: 6 } : {}),
          initialV: v0[i],
          spikeSign: r.signed ? 'signed' : 'unsigned',
          payloadBits: 0,
        });
      }
    });
    b.add({ kind: 'ann.output', inputs: [cur] });
    return b.build();
  });

export const anyGraph = fc.oneof(annGraph, snnGraph);
