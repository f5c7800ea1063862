import { describe, expect, test } from 'vitest';
import { type Graph, type Node, verify } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, SIGMA_DELTA_PIPELINE, runPipeline } from '../../src/passes/index.js';
import { simulate } from '../../src/sim/simulate.js';
import { mlp } from '../support/small-nets.js';

/**
 * snn.synapse's storage: the same sums either way; a value sent costs the synapses the hardware holds
 * for its neuron, its column's nonzero weights when stored sparse, the whole column when dense.
 */
const grid = (n: number): number[][] =>
  Array.from({ length: n * n }, (_, k) => [(k % n) / (n - 1), Math.floor(k / n) / (n - 1)]);
const ctx = { ...DEFAULT_CONTEXT, calibration: grid(8), K: 4, finetuneSteps: 0 };

const withStorage = (g: Graph, storage: 'dense' | 'sparse'): Graph => ({
  ...g,
  nodes: g.nodes.map((n): Node => (n.kind === 'snn.synapse' ? { ...n, storage } : n)),
});

describe('synapse storage', () => {
  const sd = runPipeline(mlp(), SIGMA_DELTA_PIPELINE, ctx).graph;
  const rows = grid(5);

  test('lower-to-sigma-delta stores every synapse sparse', () => {
    const synapses = sd.nodes.filter((n) => n.kind === 'snn.synapse');
    expect(synapses.length).toBeGreaterThan(0);
    expect(synapses.every((n) => n.kind === 'snn.synapse' && n.storage === 'sparse')).toBe(true);
  });

  test('same outputs and messages; operations: nonzero weights reached (sparse), whole columns (dense)', () => {
    const [sparse, dense] = [simulate(sd, rows), simulate(withStorage(sd, 'dense'), rows)];
    expect(dense.outputs).toEqual(sparse.outputs);
    expect(dense.layers.map((l) => l.spikes)).toEqual(sparse.layers.map((l) => l.spikes));
    expect(dense.synops).toBeGreaterThan(sparse.synops);
    // by hand: per value sent (the encoder's query and bias channel at step 0, then every message), the
    // nonzero weights of its column (sparse) or the synapse's fan-out (dense)
    const count = (dense: boolean): number => {
      let ops = 0;
      for (const row of rows) {
        const trace = simulate(sd, [row], { trace: true }).trace!;
        for (const syn of sd.nodes) {
          if (syn.kind !== 'snn.synapse' || syn.weight.kind !== 'float') continue;
          const [out, k] = syn.weight.values.shape;
          const enc = sd.nodes.find((n) => n.id === syn.inputs[0]);
          const sent = enc?.kind === 'snn.encoder' ? [[...row, enc.biasChannel!]] : trace.get(syn.inputs[0])!;
          for (const step of sent)
            for (let i = 0; i < k; i++) {
              if (step[i] === 0) continue;
              let nonzero = 0;
              for (let o = 0; o < out; o++) if (syn.weight.values.data[o * k + i] !== 0) nonzero++;
              ops += dense ? out : nonzero;
            }
        }
      }
      return ops;
    };
    expect(sparse.synops).toBe(count(false));
    expect(dense.synops).toBe(count(true));
  });

  test('the verifier refuses sparse storage feeding rate-coded neurons, naming the synapse', () => {
    const rate = runPipeline(mlp({ hidden: 1 }), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx).graph;
    const syn = rate.nodes.find(
      (n) => n.kind === 'snn.synapse' && rate.nodes.some((m) => m.kind === 'snn.neurons' && m.inputs[0] === n.id),
    )!;
    const bad = { ...rate, nodes: rate.nodes.map((n) => (n === syn ? { ...n, storage: 'sparse' } : n)) } as Graph;
    expect(() => verify(bad)).toThrow(
      new RegExp(`%${syn.id.replace('.', '\\.')}: sparse storage feeding snn\\.neurons`),
    );
  });
});
