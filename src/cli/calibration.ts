import type { LoadedModel } from '../frontend/index.js';
import { type Graph, Node } from '../ir/index.js';
import { Rng, readProblemFile } from '../frontend/train/index.js';
import { UsageError } from './errors.js';
import { readInputRows } from './inputs.js';

export interface CalibrationSource {
  readonly calibInputs?: string;
  readonly domain?: string;
  readonly calibSamples: number;
  readonly seed?: number;
}

/** Parses "lo:hi,lo:hi,..." into intervals. */
export function parseDomain(spec: string): [number, number][] {
  return spec.split(',').map((part) => {
    const [lo, hi] = part.split(':').map(Number);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new UsageError(`--domain needs lo:hi pairs with lo < hi, separated by commas; '${part}' is not one`);
    return [lo, hi];
  });
}

/** The graph with --domain recorded on its input when the input states none (quantize scales inputs by it). */
export function withDomain(g: Graph, src: CalibrationSource): Graph {
  if (!src.domain) return g;
  const domain = parseDomain(src.domain);
  return {
    ...g,
    nodes: g.nodes.map((n) => (n.kind === 'ann.input' && !n.domain && n.dims === domain.length ? Node.parse({ ...n, domain }) : n)),
  };
}

/**
 * Calibration inputs: --calib-inputs FILE, else uniform samples from --domain, else from the domain
 * in the model directory's problem.json. Undefined when none is available.
 */
export function calibrationInputs(model: LoadedModel, src: CalibrationSource): number[][] | undefined {
  const input = model.graph.nodes.find((n) => n.kind === 'ann.input' || n.kind === 'snn.encoder');
  const dims = input && 'dims' in input ? input.dims : undefined;
  if (src.calibInputs) return readInputRows(src.calibInputs, dims).slice(0, src.calibSamples);
  const domain = src.domain ? parseDomain(src.domain) : model.dir ? readProblemFile(model.dir)?.domain : undefined;
  if (!domain) return undefined;
  if (dims !== undefined && domain.length !== dims) throw new UsageError(`the domain has ${domain.length} intervals, the model takes ${dims} inputs`);
  return new Rng(src.seed ?? 7).box(domain, src.calibSamples);
}
