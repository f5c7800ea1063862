import { describe, test } from 'vitest';
import { exampleMlp, exampleSnn, parseGraph, printGraph } from '../../src/ir/index.js';
import { expectGolden } from '../support/golden.js';

describe('textual IR golden files', () => {
  test('the example MLP, summarised and with weights', () => {
    expectGolden('example_mlp.sir', printGraph(exampleMlp()));
    expectGolden('example_mlp.weights.sir', printGraph(exampleMlp(), { weights: true }));
  });

  test('the example snn graph', () => {
    expectGolden('example_snn.sir', printGraph(exampleSnn(), { weights: true }));
  });

  test('a golden file parses back to the graph that printed it', () => {
    const reparsed = parseGraph(printGraph(exampleSnn(), { weights: true }));
    expectGolden('example_snn.sir', printGraph(reparsed, { weights: true }));
  });
});
