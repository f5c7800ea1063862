import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Arena } from '../../src/sim/arena.js';
import { KernelModule } from '../../src/sim/wasm.js';

test('the integer delivery equals add_products on the same integers (from zeros)', () => {
  const [R, S, K] = [5, 37, 23];
  const arena = new Arena(new KernelModule());
  const [G, M, M32, D, D32, out] = [
    arena.alloc(R * S),
    arena.alloc(S * K),
    arena.allocInt32(S * K),
    arena.alloc(R * K),
    arena.allocInt32(R * K),
    arena.alloc(R * K),
  ];
  const scratch = [arena.alloc(S).at, arena.alloc(S).at] as const;
  arena.commit();
  G.view.forEach((_, i) => (G.view[i] = [0, 1, -1, 0, 1][i % 5]));
  M.view.forEach((_, i) => (M.view[i] = M32.view[i] = ((i * 7919) % 511) - 255));
  D32.view.fill(12345); // overwritten: the integer delivery starts from zeros
  const nonzero = arena.mod.fn.add_products_i32(D32.at, G.at, M32.at, R, S, K, ...scratch);
  expect(nonzero).toBe(arena.mod.fn.add_products(D.at, G.at, M.at, R, S, K, ...scratch));
  arena.mod.fn.scale_floor_i32(out.at, D32.at, R * K, 2 ** -3);
  arena.mod.fn.scale_floor(D.at, R * K, 2 ** -3);
  expect(Array.from(out.view)).toEqual(Array.from(D.view));
});

test('16-bit lanes and one-output dot products equal add_products on the same integers (property)', () => {
  fc.assert(
    fc.property(
      fc.record({
        R: fc.integer({ min: 1, max: 7 }),
        S: fc.integer({ min: 1, max: 40 }),
        K: fc.integer({ min: 1, max: 19 }),
        seed: fc.integer({ min: 0, max: 2 ** 30 }),
        exponent: fc.integer({ min: -6, max: 3 }),
      }),
      ({ R, S, K, seed, exponent }) => {
        const arena = new Arena(new KernelModule());
        const [G, M, D, expected] = [arena.alloc(R * S), arena.alloc(S * K), arena.alloc(R * K), arena.alloc(R * K)];
        const [M16, D16, M32, D32] = [
          arena.allocInt16(S * K),
          arena.allocInt16(R * K),
          arena.allocInt32(S * K),
          arena.allocInt32(R * K),
        ];
        const scratch = [arena.alloc(S).at, arena.alloc(S).at] as const;
        arena.commit();
        let x = seed;
        const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31);
        G.view.forEach((_, i) => (G.view[i] = [0, 1, -1][next() % 3]));
        // the largest weights whose sums still fit 16 bits: sum over s of |M[s, k]| < 2^15
        const most = Math.floor((2 ** 15 - 1) / S);
        M.view.forEach((_, i) => (M.view[i] = M16.view[i] = M32.view[i] = (next() % (2 * most + 1)) - most));
        D16.view.fill(-7); // overwritten: integer delivery starts from zeros
        const nonzero = arena.mod.fn.add_products(D.at, G.at, M.at, R, S, K, ...scratch);
        arena.mod.fn.scale_floor(D.at, R * K, 2 ** exponent);
        expected.view.set(D.view);
        expect(arena.mod.fn.add_products_i16(D16.at, G.at, M16.at, R, S, K, ...scratch)).toBe(nonzero);
        arena.mod.fn.scale_floor_i16(D.at, D16.at, R * K, 2 ** exponent);
        expect(Array.from(D.view)).toEqual(Array.from(expected.view));
        if (K === 1) {
          D32.view.fill(-7);
          expect(arena.mod.fn.dot_rows_i32(D32.at, G.at, M32.at, R, S)).toBe(nonzero);
          arena.mod.fn.scale_floor_i32(D.at, D32.at, R, 2 ** exponent);
          expect(Array.from(D.view)).toEqual(Array.from(expected.view));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('integer delivery into a readout wider than every population (its sums get room for the fan-out)', async () => {
  const { exampleSnn, i32, f32 } = await import('../../src/ir/index.js');
  const { simulate } = await import('../../src/sim/simulate.js');
  const widen = (integer: boolean) => {
    const g = exampleSnn();
    const out = 8;
    const values = Array.from({ length: out * 3 }, (_, k) => ((k * 37) % 23) - 11);
    const nodes = g.nodes.map((n) => {
      const shape = { ...n.type, shape: [out] };
      if (n.kind === 'snn.synapse' && n.weight.kind === 'float')
        return {
          ...n,
          type: shape,
          weight: integer
            ? { kind: 'int' as const, mantissa: i32([out, 3], values), exponent: 0, bits: 8 }
            : { kind: 'float' as const, values: f32([out, 3], values) },
        };
      if (n.kind === 'snn.readout')
        return { ...n, type: shape, scale: f32([out], Array(out).fill(1)), offset: f32([out], Array(out).fill(0)) };
      if (n.kind === 'ann.output') return { ...n, type: shape };
      return n;
    });
    return { ...g, nodes };
  };
  const inputs = Array.from({ length: 40 }, (_, r) => [(r % 7) / 6, (r % 5) / 4]);
  expect(simulate(widen(true) as never, inputs).outputs).toEqual(simulate(widen(false) as never, inputs).outputs);
});
