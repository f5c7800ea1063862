import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Arena } from '../../src/sim/arena.js';
import { KernelModule } from '../../src/sim/wasm.js';

const compiled = new URL('../../dist/src/sim/split.js', import.meta.url);

/**
 * splitProducts hands half the rows of a product to a kernel thread sharing the module's memory. From
 * TypeScript sources there is no thread, so this runs the compiled module (npm test builds it first).
 */
describe.runIf(existsSync(compiled))('add_products split with the kernel thread (compiled build)', () => {
  test('equals one call bit for bit, across products, modules and shapes', async () => {
    const split = (await import(compiled.href)) as typeof import('../../src/sim/split.js');
    const { KernelModule: Module } = (await import(
      new URL('../../dist/src/sim/wasm.js', import.meta.url).href
    )) as typeof import('../../src/sim/wasm.js');
    const { Arena: CompiledArena } = (await import(
      new URL('../../dist/src/sim/arena.js', import.meta.url).href
    )) as typeof import('../../src/sim/arena.js');
    for (const [R, S, K] of [
      [128, 128, 512],
      [97, 130, 33],
      [64, 2048, 3],
    ]) {
      for (let m = 0; m < 2; m++) {
        const arena = new CompiledArena(new Module());
        const [G, M, D1, D2] = [arena.alloc(R * S), arena.alloc(S * K), arena.alloc(R * K), arena.alloc(R * K)];
        const scratch = [0, 1, 2, 3].map(() => arena.alloc(S).at);
        arena.commit();
        G.view.forEach((_, i) => (G.view[i] = i % 7 === 0 ? 0 : Math.sin(i) * 3));
        M.view.forEach((_, i) => (M.view[i] = Math.cos(i * 0.37)));
        D1.view.fill(0.5);
        D2.view.fill(0.5);
        const one = arena.mod.fn.add_products(D1.at, G.at, M.at, R, S, K, scratch[0], scratch[1]);
        const two = split.splitProducts(
          arena.mod,
          D2.at,
          G.at,
          M.at,
          R,
          S,
          K,
          [scratch[0], scratch[1]],
          [scratch[2], scratch[3]],
        );
        expect(two).toBe(one);
        expect(
          Buffer.from(D2.view.buffer, D2.at, R * K * 8).equals(Buffer.from(D1.view.buffer, D1.at, R * K * 8)),
        ).toBe(true);
      }
    }
  });
});

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
