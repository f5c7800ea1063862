/** A small seeded PRNG (mulberry32): the same seed gives the same collocation points on every machine. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** n points uniform in the box `domain`. */
  box(domain: readonly (readonly [number, number])[], n: number): number[][] {
    return Array.from({ length: n }, () => domain.map(([lo, hi]) => this.uniform(lo, hi)));
  }
}

/** The tensor-product grid with `points[i]` evenly spaced values on each axis (ends included), last axis fastest. */
export function grid(domain: readonly (readonly [number, number])[], points: readonly number[]): number[][] {
  const axes = domain.map(([lo, hi], i) => Array.from({ length: points[i] }, (_, k) => (points[i] === 1 ? lo : lo + ((hi - lo) * k) / (points[i] - 1))));
  let rows: number[][] = [[]];
  for (const axis of axes) rows = rows.flatMap((r) => axis.map((v) => [...r, v]));
  return rows;
}

/** Points on the faces of a box where coordinate `axis` is at its lower or upper end. */
export function faces(rng: Rng, domain: readonly (readonly [number, number])[], axes: readonly number[], perFace: number): number[][] {
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
