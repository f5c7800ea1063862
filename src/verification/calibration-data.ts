import type { LoadedModel } from '../frontend/index.js';
import { type Graph, Node } from '../ir/index.js';
import { Rng, readProblemFile } from '../frontend/train/index.js';
import { DataError } from './errors.js';
import { readInputRows } from './input-rows.js';

/** Calibration inputs drawn when no option says otherwise. */
export const DEFAULT_CALIB_SAMPLES = 256;

export interface CalibrationSource {
  readonly calibInputs?: string;
  readonly domain?: string;
  readonly calibSamples: number;
  readonly seed?: number;
}

/** Parses "lo:hi,lo:hi,..." into intervals; anything else (a third bound, an empty part) is refused. */
export function parseDomain(spec: string): [number, number][] {
  return spec.split(',').map((part) => {
    const bounds = part.split(':');
    const [lo, hi] = bounds.map((b) => (b.trim() === '' ? Number.NaN : Number(b)));
    if (!(bounds.length === 2 && Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new DataError(`--domain needs lo:hi pairs with lo < hi, separated by commas; '${part}' is not one`);
    }
    return [lo, hi];
  });
}

/** Intervals as --domain writes them ("lo:hi,lo:hi"), parseDomain's inverse. */
export const formatDomain = (domain: readonly (readonly [number, number])[]): string =>
  domain.map(([lo, hi]) => `${lo}:${hi}`).join(',');

/** The graph with --domain recorded on its input when the input states none (quantize scales inputs by it). */
export function withDomain(g: Graph, src: CalibrationSource): Graph {
  if (!src.domain) return g;
  const domain = parseDomain(src.domain);
  return {
    ...g,
    nodes: g.nodes.map((n) =>
      n.kind === 'ann.input' && !n.domain && n.dims === domain.length ? Node.parse({ ...n, domain }) : n,
    ),
  };
}

/**
 * Calibration inputs: --calib-inputs FILE, else uniform samples from --domain, else from the domain
 * in the model directory's problem.json, else from the domain the graph's input records (an imported
 * .sir carries it). Undefined when none is available.
 */
export function calibrationInputs(model: LoadedModel, src: CalibrationSource): number[][] | undefined {
  if (src.calibInputs) return readInputRows(src.calibInputs, inputDims(model)).slice(0, src.calibSamples);
  const domain = inputDomain(model, src);
  return domain && new Rng(src.seed ?? 7).box(domain, src.calibSamples);
}

const inputDims = (model: LoadedModel): number | undefined => {
  const input = model.graph.nodes.find((n) => n.kind === 'ann.input' || n.kind === 'snn.encoder');
  return input && 'dims' in input ? input.dims : undefined;
};

/**
 * The box the model's inputs come from: --domain, else the domain in the model directory's
 * problem.json, else the domain the graph's input records. Undefined when none is known.
 */
export function inputDomain(
  model: LoadedModel,
  src: Pick<CalibrationSource, 'domain'>,
): [number, number][] | undefined {
  const input = model.graph.nodes.find((n) => n.kind === 'ann.input' || n.kind === 'snn.encoder');
  const recorded = input && 'domain' in input ? input.domain : undefined;
  const problem = !src.domain && model.dir ? readProblemFile(model.dir)?.domain : undefined;
  const [domain, from] = src.domain
    ? [parseDomain(src.domain), `--domain ${src.domain}`]
    : problem
      ? [problem, `the domain in ${model.dir}/problem.json`]
      : [recorded?.map(([lo, hi]) => [lo, hi]), `the domain %${input?.id} records`];
  const dims = inputDims(model);
  if (domain && dims !== undefined && domain.length !== dims)
    throw new DataError(
      `${from} has ${domain.length} interval${domain.length === 1 ? '' : 's'}, but the model takes ${dims} ` +
        `inputs: give one lo:hi per input (--domain ${Array(dims).fill('0:1').join(',')})`,
    );
  return domain as [number, number][] | undefined;
}
