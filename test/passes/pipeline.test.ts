import { describe, expect, test } from 'vitest';
import {
  type Graph,
  type Node,
  Node as NodeSchema,
  decodeGraph,
  encodeGraph,
  exampleMlp,
  f32,
  parseGraph,
  printGraph,
} from '../../src/ir/index.js';
import { DEFAULT_CONTEXT, type Pass, runPass, runPipeline } from '../../src/passes/index.js';

const calibration = Array.from({ length: 16 }, (_, k) => [(k % 4) / 3, Math.floor(k / 4) / 3]);
const ctx = { ...DEFAULT_CONTEXT, calibration, T: 8, K: 2 };
const lowered = runPipeline(exampleMlp(), ['fold-weights', 'threshold-balance', 'lower-to-snn'], ctx).graph;
const byId = (g: Graph, id: string): Node => g.nodes.find((n) => n.id === id)!;

describe('the pass manager stamps locations', () => {
  test('ops a pass creates carry the pass and every model op they derive from', () => {
    // an activation's neurons and their synapse: the dense layer's weights for the activation (fused)
    expect(byId(lowered, 'a0').loc).toEqual({ source: ['h0', 'a0'], pass: 'lower-to-snn' });
    expect(byId(lowered, 'a0.syn').loc).toEqual({ source: ['h0', 'a0'], pass: 'lower-to-snn' });
    expect(byId(lowered, 'h1').loc).toEqual({ source: 'h1', pass: 'lower-to-snn' });
    expect(byId(lowered, 'x').loc).toEqual({ source: 'x', pass: 'lower-to-snn' });
  });

  test('fused sources survive the text and binary forms', () => {
    expect(parseGraph(printGraph(lowered, { weights: true }))).toEqual(lowered);
    expect(decodeGraph(encodeGraph(lowered))).toEqual(lowered);
  });

  test('a pass that changes one op restamps that op only; one that changes nothing returns the same graph', () => {
    const offsetReadout: Pass = {
      name: 'shift-readout',
      description: 'adds 1 to the readout offset',
      run: (g) => {
        const r = byId(g, 'h1') as Node & { offset: { data: number[] } };
        const next = NodeSchema.parse({ ...r, offset: f32([1], [r.offset.data[0] + 1]) });
        return { graph: { ...g, nodes: g.nodes.map((n) => (n.id === 'h1' ? next : n)) }, stats: {} };
      },
    };
    const shifted = runPass(offsetReadout, lowered, ctx).graph;
    expect(byId(shifted, 'h1').loc).toEqual({ source: 'h1', pass: 'shift-readout' });
    expect(byId(shifted, 'a0')).toBe(byId(lowered, 'a0'));
    // a new op whose name has no '.' extends nothing: 'h10' does not come from 'h1'
    const addOp: Pass = {
      name: 'add-op',
      description: 'adds an ann.output named h10 reading h1',
      run: (g) => ({
        graph: { ...g, nodes: [...g.nodes, { ...byId(g, 'u'), id: 'h10', loc: undefined } as Node] },
        stats: {},
      }),
    };
    expect(byId(runPass(addOp, lowered, ctx).graph, 'h10').loc).toEqual({ pass: 'add-op' });
    const idle: Pass = { name: 'idle', description: 'changes nothing', run: (g) => ({ graph: g, stats: {} }) };
    expect(runPass(idle, lowered, ctx).graph).toBe(lowered);
  });
});
