import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadModel } from '../../src/frontend/index.js';
import { Rng, readProblemFile } from '../../src/frontend/train/index.js';
import type { Graph } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, type PassContext, coreUsage, mapCores, runPipeline } from '../../src/passes/index.js';
import { ROOT } from '../support/cli.js';
import { wideSnn } from '../support/graphs.js';

const P1 = join(ROOT, 'examples', 'poisson1d');
let ctx: PassContext;
let fixed: Graph;

beforeAll(async () => {
  const ann = (await loadModel(P1)).graph;
  ctx = { ...DEFAULT_CONTEXT, calibration: new Rng(7).box(readProblemFile(P1)!.domain, 64), T: 16 };
  fixed = runPipeline(ann, ['fold-weights', 'threshold-balance', 'lower-to-snn', 'quantize', 'map-cores'], ctx, {
    verifyEach: true,
  }).graph;
});

describe('map-cores', () => {
  test('annotates placement and reports resources', () => {
    const usage = coreUsage(fixed, ctx);
    expect(usage.map((u) => u.neurons)).toEqual(
      fixed.nodes.filter((n) => n.kind === 'snn.neurons' || n.kind === 'snn.readout').map((n) => n.type.shape[0]),
    );
    expect(
      fixed.nodes
        .filter((n) => n.kind === 'snn.neurons')
        .every((n) => n.kind === 'snn.neurons' && (n.placement?.length ?? 0) >= 1),
    ).toBe(true);
  });

  test('a network too large for the chosen profile fails with a clear message', () => {
    const g = wideSnn(140_000);
    expect(() => mapCores.run(g, { ...DEFAULT_CONTEXT, profile: 'loihi1', chips: 1 })).toThrow(
      new RegExp(
        String.raw`map-cores: (the network needs \d+ cores, but loihi1 with 1 chip\(s\) has 128|` +
          String.raw`%r: fan-in 140000 exceeds the loihi1 limit of 4096)`,
      ),
    );
    expect(() => mapCores.run(g, { ...DEFAULT_CONTEXT, profile: 'generic', chips: 1 })).not.toThrow();
  });
});
