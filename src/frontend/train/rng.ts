import type { Rng } from '../../sim/rng.js';
export { Rng } from '../../sim/rng.js';

/** The tensor-product grid with `points[i]` evenly spaced values on each axis (ends included), last axis fastest. */
export function grid(domain: readonly (readonly [number, number])[], points: readonly number[]): number[][] {
  const axes = domain.map(([lo, hi], i) =>
    Array.from({ length: points[i] }, (_, k) => (points[i] === 1 ? lo : lo + ((hi - lo) * k) / (points[i] - 1))),
  );
  let rows: number[][] = [[]];
  for (const axis of axes) rows = rows.flatMap((r) => axis.map((v) => [...r, v]));
  return rows;
}

/** Points on the faces of a box where coordinate `axis` is at its lower or upper end. */
export function faces(
  rng: Rng,
  domain: readonly (readonly [number, number])[],
  axes: readonly number[],
  perFace: number,
): number[][] {
  const out: number[][] = [];
  for (const a of axes) {
    for (const end of [0, 1]) {
      for (let k = 0; k < perFace; k++) {
        const p = domain.map(([lo, hi]) => rng.uniform(lo, hi));
        p[a] = domain[a][end];
        out.push(p);
      }
    }
  }
  return out;
}
