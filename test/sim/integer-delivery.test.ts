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
