import { type Backend, FORMAT_LIMITS } from '../backends/index.js';
import { type FormatLimits, mergeFormatLimits } from '../ir/index.js';
import type { Coding } from '../ir/index.js';

/**
 * The profiles whose chips send binary spikes only: their network is rate coded. Loihi 2 sends graded
 * spikes: its formats get the sigma-delta network. json describes whichever network it is written beside.
 */
const BINARY_PROFILES: readonly string[] = ['loihi1', 'generic'];

/** One network a compile builds: its coding, the files it feeds and the limits they impose. */
export interface NetworkPlan {
  readonly coding: Coding;
  readonly backends: readonly Backend[];
  readonly limits: FormatLimits;
  /** In file names, where the compile builds more than one network: its coding. */
  readonly stem?: string;
}

export interface Target {
  readonly profile: string;
  /** Whether --target named the profile (else it is loihi2 by default). */
  readonly profileNamed: boolean;
  readonly backends: readonly Backend[];
}

export const mergedLimits = (backends: readonly Backend[]): FormatLimits =>
  mergeFormatLimits(backends.map((b) => [b, FORMAT_LIMITS[b]]));

/**
 * The networks a compile builds. Formats whose readers run real arithmetic (FormatLimits.real: nir) always
 * get a network of their own, float and within their limits; the others share one. With a coding named
 * (or a pipeline given), the others get one network of that coding under their merged limits, as the
 * paper's method builds it. Otherwise one per family, each built once whatever files it feeds: Loihi 2
 * (the loihi2 profile, lava-netx, lava-py) gets the sigma-delta network, binary-spike profiles (loihi1,
 * generic) the rate network, and nir its rate network. `chosen` is the coding a single network gets
 * where the caller decides it (--coding, --pipeline).
 */
export function planNetworks(target: Target, chosen: Coding | undefined): NetworkPlan[] {
  const json = target.backends.includes('json') ? (['json'] as const) : [];
  const files = target.backends.filter((b) => b !== 'json');
  const real = files.filter((b) => FORMAT_LIMITS[b].real);
  const fixed = files.filter((b) => !FORMAT_LIMITS[b].real);
  const plans: NetworkPlan[] = [];
  // the hardware network: for its formats, for a named profile, or when nothing else is asked for
  if (fixed.length || target.profileNamed || !real.length) {
    const coding = chosen ?? (BINARY_PROFILES.includes(target.profile) ? 'rate' : 'sigma-delta');
    plans.push({ coding, backends: [...fixed, ...json], limits: mergedLimits(fixed) });
  }
  if (real.length) plans.push({ coding: chosen ?? 'rate', backends: [...real, ...json], limits: mergedLimits(real) });
  if (plans.length === 1) return plans;
  const clash = plans[0].coding === plans[1].coding;
  return plans.map((p, i) => ({ ...p, stem: clash && i === 1 ? `${p.coding}-float` : p.coding }));
}
