import { type Backend, FORMAT_LIMITS } from '../backends/index.js';
import { type FormatLimits, mergeFormatLimits } from '../ir/index.js';
import type { Coding } from '../ir/index.js';

/**
 * The formats that carry Loihi 2's graded spikes: they get the sigma-delta network. NIR's neurons send
 * binary spikes (FormatLimits.sigmaDelta false): it gets the rate network, as do the loihi1 and generic
 * profiles. json describes whichever network it is written beside.
 */
const GRADED_FORMATS: readonly Backend[] = ['lava-netx', 'lava-py'];
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
 * The networks a compile builds. With a coding named (or a pipeline given), one network for every
 * file, under their merged limits, as the paper's method builds it. Otherwise one per family, each
 * built once whatever files it feeds: Loihi 2 (the loihi2 profile, lava-netx, lava-py) gets the
 * sigma-delta network, binary-spike formats (nir) and profiles (loihi1, generic) the rate network.
 * `chosen` is the coding a single network gets where the caller decides it (--coding, --pipeline).
 */
export function planNetworks(target: Target, chosen: Coding | undefined): NetworkPlan[] {
  const json = target.backends.includes('json') ? (['json'] as const) : [];
  const files = target.backends.filter((b) => b !== 'json');
  const one = (coding: Coding): NetworkPlan[] => [{ coding, backends: target.backends, limits: mergedLimits(files) }];
  if (chosen) return one(chosen);
  if (BINARY_PROFILES.includes(target.profile)) return one('rate');
  const graded = files.filter((b) => GRADED_FORMATS.includes(b));
  const binary = files.filter((b) => !GRADED_FORMATS.includes(b));
  const plans: NetworkPlan[] = [];
  // the Loihi 2 network: for its formats, for a named loihi2 profile, or when nothing else is asked for
  if (graded.length || target.profileNamed || !binary.length)
    plans.push({ coding: 'sigma-delta', backends: [...graded, ...json], limits: mergedLimits(graded) });
  if (binary.length) plans.push({ coding: 'rate', backends: [...binary, ...json], limits: mergedLimits(binary) });
  return plans.length > 1 ? plans.map((p) => ({ ...p, stem: p.coding })) : plans;
}
