import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type NodeOf, f32, i32 } from '../../src/ir/index.js';
import { Arena, type Slot } from '../../src/sim/arena.js';
import { Neurons as Population } from '../../src/sim/neurons.js';
import { KernelModule } from '../../src/sim/wasm.js';

type Neurons = NodeOf<'snn.neurons'>;

/** The simulator's population (kernels.wat's neuron_step) with plain arrays in and out. */
class Harness {
  private readonly pop: Population;
  private readonly input: Slot;
  private readonly spikes: Slot;
  constructor(
    node: Neurons,
    n: number,
    private readonly batch: number,
  ) {
    const arena = new Arena(new KernelModule());
    this.pop = new Population(node, n, batch, arena);
    this.input = arena.alloc(n * batch);
    this.spikes = arena.alloc(n * batch);
    arena.commit();
    this.pop.init();
    this.pop.rest(batch);
  }
  get u(): Float64Array {
    return this.pop.u.view;
  }
  get v(): Float64Array {
    return this.pop.v.view;
  }
  step(input: Float64Array, spikes: Float64Array): number {
    this.input.view.set(input);
    const count = this.pop.step(this.input, this.spikes, this.batch);
    spikes.set(this.spikes.view);
    return count;
  }
}

function fixedNode(
  p: Partial<Omit<Neurons, 'bias'>> & {
    du: number;
    dv: number;
    vth: number;
    bias?: number;
    biasExp?: number;
    v0?: number;
  },
): Neurons {
  return {
    kind: 'snn.neurons',
    id: 'n',
    inputs: ['s'],
    type: { dtype: p.spikeSign === 'signed' ? 'tspike' : 'spike', shape: [1] },
    model: 'cuba-lif',
    arith: 'fixed',
    threshold: p.vth,
    reset: p.reset ?? 'zero',
    currentDecay: p.du,
    voltageDecay: p.dv,
    bias: i32([1], [p.bias ?? 0]),
    biasExp: p.biasExp ?? 0,
    initialV: i32([1], [p.v0 ?? 0]),
    spikeSign: p.spikeSign ?? 'unsigned',
    payloadBits: 0,
  };
}

/** Runs one fixed-point neuron over the inputs; returns [u, v, spike] after each step. */
function trace(node: Neurons, inputs: number[]): [number, number, number][] {
  const n = new Harness(node, 1, 1);
  const s = new Float64Array(1);
  return inputs.map((a) => {
    n.step(Float64Array.of(a), s);
    return [n.u[0], n.v[0], s[0]];
  });
}

describe('Loihi fixed-point neuron (PyLifModelBitAcc), hand-computed traces', () => {
  test('current decay: u * (4096 - (du + 1)) >> 12, truncating toward zero; voltage integrates u', () => {
    // du = 2048: u keeps 2047/4096 per step; dv = 0: v keeps 4096/4096
    expect(trace(fixedNode({ du: 2048, dv: 0, vth: 100000 }), [10, 0, 0])).toEqual([
      [640, 640, 0],
      [319, 959, 0], // 640 * 2047 = 1310080; >> 12 = 319
      [159, 1118, 0], // 319 * 2047 = 652993; >> 12 = 159
    ]);
    expect(trace(fixedNode({ du: 2048, dv: 0, vth: 100000 }), [-10, 0]).map((r) => r[0])).toEqual([-640, -319]);
  });

  test('voltage decay with dv, and bias mantissa << bias exponent', () => {
    // dv = 1024: v keeps 3072/4096; bias 3 << 2 = 12 each step; du = 4095: u = a_in << 6
    expect(trace(fixedNode({ du: 4095, dv: 1024, vth: 100000, bias: 3, biasExp: 2 }), [1, 1, 0])).toEqual([
      [64, 76, 0], // 0 + 64 + 12
      [64, 133, 0], // 76 * 3072 >> 12 = 57; 57 + 64 + 12
      [0, 111, 0], // 133 * 3072 >> 12 = 99; 99 + 0 + 12
    ]);
  });

  test('24-bit wrap of the current: exactly 2^23 stays, above it wraps to negative', () => {
    const r = trace(fixedNode({ du: 4095, dv: 4095, vth: 131071 }), [131072, 131073]);
    expect(r[0][0]).toBe(2 ** 23);
    expect(r[1][0]).toBe(131073 * 64 - 2 ** 24);
  });

  test('voltage saturates at -(2^23 - 1)', () => {
    const r = trace(fixedNode({ du: 4095, dv: 0, vth: 100 }), [-100000, -100000, -100000]);
    expect(r.map((x) => x[1])).toEqual([-6400000, -(2 ** 23) + 1, -(2 ** 23) + 1]);
  });

  test('spike only when v > vth << 6 (strictly), then reset to zero', () => {
    // vth = 2: fires above 128. Inputs of 1 add 64 per step.
    const r = trace(fixedNode({ du: 4095, dv: 0, vth: 2 }), [1, 1, 1, 1, 1]);
    expect(r.map((x) => x[2])).toEqual([0, 0, 1, 0, 0]); // 64, 128 (not > 128), 192 -> spike, reset 0, 64, 128
    expect(r.map((x) => x[1])).toEqual([64, 128, 0, 64, 128]);
  });

  test('reset by subtraction keeps the excess; ternary spikes fire both ways', () => {
    // vth = 2 (128 in v units), input 3 adds 192 per step
    expect(trace(fixedNode({ du: 4095, dv: 0, vth: 2, reset: 'subtract' }), [3, 3, 3])).toEqual([
      [192, 64, 1], // 192 > 128: spike, 192 - 128
      [192, 128, 1], // 64 + 192 = 256: spike, 256 - 128
      [192, 192, 1], // 128 + 192 = 320: spike, 320 - 128
    ]);
    // ternary, vth = 1 (64): +1 above 64, -1 below -64, reset by the spike's sign
    expect(trace(fixedNode({ du: 4095, dv: 0, vth: 1, spikeSign: 'signed', reset: 'subtract' }), [2, -4, 0])).toEqual([
      [128, 64, 1], // v = 128 > 64: +1, 128 - 64
      [-256, -128, -1], // v = 64 - 256 = -192 < -64: -1, -192 + 64
      [0, -64, -1], // v = -128 < -64: -1, -128 + 64
    ]);
  });
});

describe('float IF neuron', () => {
  const floatNode = (threshold: number, v0 = 0): Neurons => ({
    ...fixedNode({ du: 0, dv: 0, vth: 1 }),
    model: 'if',
    arith: 'float',
    threshold,
    reset: 'subtract',
    currentDecay: 1,
    voltageDecay: 0,
    bias: f32([1], [0]),
    biasExp: undefined,
    initialV: f32([1], [v0]),
  });

  test('constant input c with threshold 1 fires floor(c T) times, within one spike (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 300 }), (c, T) => {
        const n = new Harness(floatNode(1), 1, 1);
        const s = new Float64Array(1);
        let count = 0;
        for (let t = 0; t < T; t++) count += n.step(Float64Array.of(c), s);
        expect(Math.abs(count - Math.floor(c * T))).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  test('v0 = threshold / 2 turns flooring into rounding', () => {
    for (const c of [0.1, 0.26, 0.49, 0.51, 0.9]) {
      const n = new Harness(floatNode(1, 0.5), 1, 1);
      const s = new Float64Array(1);
      let count = 0;
      for (let t = 0; t < 10; t++) count += n.step(Float64Array.of(c), s);
      expect(count).toBe(Math.round(c * 10));
    }
  });
});

describe('fixed point converges to float as the bit width grows', () => {
  test('spike counts of integer IF neurons match the float model more closely with more bits', () => {
    const T = 64;
    const cs = Array.from({ length: 200 }, (_, i) => (i + 0.37) / 200);
    const floatCounts = cs.map((c) => {
      const n = new Harness(
        {
          ...fixedNode({ du: 0, dv: 0, vth: 1 }),
          model: 'if',
          arith: 'float',
          threshold: 1,
          reset: 'subtract',
          currentDecay: 1,
          voltageDecay: 0,
          bias: f32([1], [0]),
          biasExp: undefined,
          initialV: f32([1], [0]),
        },
        1,
        1,
      );
      const s = new Float64Array(1);
      let k = 0;
      for (let t = 0; t < T; t++) k += n.step(Float64Array.of(c), s);
      return k;
    });
    const mismatch = (bits: number): number => {
      const vth = 2 ** bits;
      return cs.reduce((sum, c, i) => {
        const n = new Harness(fixedNode({ du: 4095, dv: 0, vth, reset: 'subtract', v0: 0 }), 1, 1);
        const s = new Float64Array(1);
        let k = 0;
        // vth is compared as vth << 6 and a_in enters as a_in << 6: the float input c becomes round(c vth)
        for (let t = 0; t < T; t++) k += n.step(Float64Array.of(Math.round(c * vth)), s);
        return sum + Math.abs(k - floatCounts[i]);
      }, 0);
    };
    const errors = [2, 4, 6, 8, 12].map(mismatch);
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThanOrEqual(errors[i - 1]);
    expect(errors[0]).toBeGreaterThan(50);
    expect(errors[errors.length - 1]).toBeLessThanOrEqual(5);
  });
});

/**
 * The update of SnnNeurons (src/ir/ops/snn.ts) transcribed as a plain loop over [batch, n] arrays, one
 * neuron at a time: what kernels.wat's neuron_step computes two lanes at a time.
 */
function plainStep(node: Neurons, u: Float64Array, v: Float64Array, input: Float64Array, s: Float64Array): number {
  const n = node.bias.data.length;
  const signed = node.spikeSign === 'signed';
  const subtract = node.reset === 'subtract';
  let count = 0;
  for (let k = 0; k < u.length; k++) {
    const i = k % n;
    let uu: number;
    let vv: number;
    let spike = 0;
    if (node.arith === 'fixed') {
      const half = 2 ** 23;
      const shift = (x: number): number => (x < 0 ? -Math.floor(-x / 4096) : Math.floor(x / 4096));
      uu = shift(u[k] * (4096 - (node.currentDecay + 1))) + input[k] * 64;
      if (uu > half) uu -= 2 * half;
      else if (uu <= -half) uu += 2 * half;
      vv = shift(v[k] * (4096 - node.voltageDecay)) + uu + node.bias.data[i] * 2 ** (node.biasExp ?? 0);
      if (vv > half - 1) vv = half - 1;
      else if (vv < -half + 1) vv = -half + 1;
      const vth = node.threshold * 64;
      if (vv > vth) spike = 1;
      else if (signed && vv < -vth) spike = -1;
      if (spike !== 0) vv = subtract ? vv - spike * vth : 0;
    } else {
      uu = (1 - node.currentDecay) * u[k] + input[k];
      vv = (1 - node.voltageDecay) * v[k] + uu + node.bias.data[i];
      if (vv >= node.threshold) spike = 1;
      else if (signed && vv <= -node.threshold) spike = -1;
      if (spike !== 0) vv = subtract ? vv - spike * node.threshold : 0;
    }
    if (spike !== 0) count++;
    u[k] = uu;
    v[k] = vv;
    s[k] = spike;
  }
  return count;
}

describe('the SIMD neuron update equals the plain loop bit for bit', () => {
  // small integers and quarters make exact ties (v = threshold) and the 24-bit wrap (u = 2^23) likely
  const quarter = fc.integer({ min: -12, max: 12 }).map((q) => q / 4);
  const population = fc
    .record({
      fixed: fc.boolean(),
      signed: fc.boolean(),
      subtract: fc.boolean(),
      n: fc.integer({ min: 1, max: 7 }),
      batch: fc.integer({ min: 1, max: 4 }),
      du: fc.oneof(fc.constant(4095), fc.integer({ min: 0, max: 4095 })),
      dv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4096 })),
      vth: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 200000 })),
      steps: fc.integer({ min: 1, max: 6 }),
    })
    .chain((p) =>
      fc.record({
        p: fc.constant(p),
        bias: fc.array(
          p.fixed
            ? fc.oneof(fc.constant(0), fc.integer({ min: -8191, max: 8191 }))
            : fc.oneof(quarter, fc.double({ min: -2, max: 2, noNaN: true })),
          {
            minLength: p.n,
            maxLength: p.n,
          },
        ),
        v0: fc.array(
          p.fixed
            ? fc.integer({ min: -1000, max: 1000 })
            : fc.oneof(quarter, fc.double({ min: -1, max: 1, noNaN: true })),
          {
            minLength: p.n,
            maxLength: p.n,
          },
        ),
        inputs: fc.array(
          fc.array(
            p.fixed
              ? fc.oneof(
                  fc.constantFrom(2 ** 17, -(2 ** 17), 2 ** 17 + 1, -(2 ** 17) - 1),
                  fc.integer({ min: -300000, max: 300000 }),
                  fc.integer({ min: -100, max: 100 }),
                )
              : fc.oneof(quarter, fc.double({ min: -3, max: 3, noNaN: true })),
            { minLength: p.n * p.batch, maxLength: p.n * p.batch },
          ),
          { minLength: p.steps, maxLength: p.steps },
        ),
      }),
    );

  test('fixed and float, signed and not, subtract and zero reset, odd widths (property)', () => {
    fc.assert(
      fc.property(population, ({ p, bias, v0, inputs }) => {
        const base = fixedNode({ du: p.du, dv: p.dv, vth: p.vth, spikeSign: p.signed ? 'signed' : 'unsigned' });
        const node: Neurons = {
          ...base,
          type: { ...base.type, shape: [p.n] },
          reset: p.subtract ? 'subtract' : 'zero',
          ...(p.fixed
            ? { bias: i32([p.n], bias), biasExp: 2, initialV: i32([p.n], v0) }
            : {
                model: 'if' as const,
                arith: 'float' as const,
                threshold: p.vth > 8 ? p.vth / 100000 : p.vth / 4,
                currentDecay: p.du / 4096,
                voltageDecay: p.dv / 4096,
                bias: f32([p.n], bias),
                biasExp: undefined,
                initialV: f32([p.n], v0),
              }),
        };
        const kernel = new Harness(node, p.n, p.batch);
        const u = new Float64Array(p.n * p.batch);
        const v = Float64Array.from({ length: p.n * p.batch }, (_, k) => node.initialV.data[k % p.n]);
        const [s1, s2] = [new Float64Array(u.length), new Float64Array(u.length)];
        for (const a of inputs) {
          const input = Float64Array.from(a);
          expect(kernel.step(input, s1)).toBe(plainStep(node, u, v, input, s2));
          expect([Array.from(kernel.u), Array.from(kernel.v), Array.from(s1)]).toEqual([
            Array.from(u),
            Array.from(v),
            Array.from(s2),
          ]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
