import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type NodeOf, f32, i32 } from '../../src/ir/index.js';
import { FloatNeurons } from '../../src/sim/neurons/if-float.js';
import { LoihiNeurons } from '../../src/sim/neurons/lif-loihi.js';

type Neurons = NodeOf<'snn.neurons'>;

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
  const n = new LoihiNeurons(node, 1, 1);
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
        const n = new FloatNeurons(floatNode(1), 1, 1);
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
      const n = new FloatNeurons(floatNode(1, 0.5), 1, 1);
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
      const n = new FloatNeurons(
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
        const n = new LoihiNeurons(fixedNode({ du: 4095, dv: 0, vth, reset: 'subtract', v0: 0 }), 1, 1);
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
