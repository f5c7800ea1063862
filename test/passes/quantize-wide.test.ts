import { describe, expect, test } from 'vitest';
import { GraphBuilder, diagnose, f32 } from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, quantize } from '../../src/passes/index.js';

describe('quantize on wide layers', () => {
  test('a layer of 300 x 600 weights quantizes (no argument spreading of whole tensors)', () => {
    const [n1, n2] = [600, 300];
    const b = new GraphBuilder('wide');
    const neurons = (id: string, n: number, input: string) =>
      b.add({
        kind: 'snn.neurons',
        id,
        inputs: [input],
        model: 'if',
        arith: 'float',
        threshold: 1,
        reset: 'subtract',
        currentDecay: 1,
        voltageDecay: 0,
        bias: f32(
          [n],
          Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 100),
        ),
        initialV: f32([n], Array(n).fill(0.5)),
        spikeSign: 'unsigned',
        payloadBits: 0,
      });
    const x = b.add({
      kind: 'snn.encoder',
      id: 'x',
      inputs: [],
      dims: 2,
      mode: 'current',
      domain: [
        [0, 1],
        [0, 1],
      ],
    });
    const s1 = b.add({
      kind: 'snn.synapse',
      id: 'a.syn',
      inputs: [x],
      weight: {
        kind: 'float',
        values: f32(
          [n1, 2],
          Array.from({ length: 2 * n1 }, (_, i) => ((i % 11) - 5) / 10),
        ),
      },
    });
    const a = neurons('a', n1, s1);
    const s2 = b.add({
      kind: 'snn.synapse',
      id: 'b.syn',
      inputs: [a],
      weight: {
        kind: 'float',
        values: f32(
          [n2, n1],
          Array.from({ length: n1 * n2 }, (_, i) => ((i % 13) - 6) / 1000),
        ),
      },
    });
    const h = neurons('b', n2, s2);
    const s3 = b.add({
      kind: 'snn.synapse',
      id: 'r.syn',
      inputs: [h],
      weight: { kind: 'float', values: f32([1, n2], Array(n2).fill(0.01)) },
    });
    const r = b.add({
      kind: 'snn.readout',
      id: 'r',
      inputs: [s3],
      scale: f32([1], [1]),
      offset: f32([1], [0]),
      window: [3, 67],
    });
    b.add({ kind: 'ann.output', id: 'y', inputs: [r] });
    const { graph } = quantize.run(b.build(), {
      ...DEFAULT_CONTEXT,
      calibration: [
        [0, 0],
        [1, 1],
      ],
    });
    expect(diagnose(graph)).toEqual([]);
    expect(
      graph.nodes.filter((n) => n.kind === 'snn.neurons').every((n) => n.kind === 'snn.neurons' && n.arith === 'fixed'),
    ).toBe(true);
  });
});
