import type { NodeOf } from '../../ir/index.js';

/** Current u = 0 and voltage v = initialV for every neuron of every batch element, [batch * n] each. */
export function restingState(node: NodeOf<'snn.neurons'>, n: number, batch: number): [Float64Array, Float64Array] {
  const u = new Float64Array(n * batch);
  const v = new Float64Array(n * batch);
  for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) v[b * n + i] = node.initialV.data[i];
  return [u, v];
}
