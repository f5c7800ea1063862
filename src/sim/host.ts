import { type Graph, IrError, normalize } from '../ir/index.js';
import { evalAnnAll } from './ann-eval.js';
import { type SimProgram, widthOf } from './program.js';

/**
 * Encoder output for the batch, [rows, width(encoder)]: the normalised input, rounded to its payload in
 * fixed arithmetic, and the bias channel's constant where the encoder has one.
 */
export function encode(p: SimProgram, inputs: readonly (readonly number[])[]): Float64Array {
  const e = p.encoder;
  const w = widthOf(e);
  const out = new Float64Array(inputs.length * w);
  const lim = e.payloadBits ? 2 ** (e.payloadBits - 1) : Infinity;
  inputs.forEach((row, r) => {
    if (row.length !== e.dims)
      throw new IrError(`input row ${r} has ${row.length} values, the network takes ${e.dims}`, `%${e.id}`);
    for (let j = 0; j < e.dims; j++) {
      if (!Number.isFinite(row[j])) throw new IrError(`input row ${r} value ${j} is ${row[j]}`, `%${e.id}`);
      let v = normalize(e.normalization, j, row[j]);
      if (p.arith === 'fixed' && e.mode !== 'current') v = Math.max(-lim, Math.min(lim - 1, Math.round(v)));
      out[r * w + j] = v;
    }
    if (e.biasChannel !== undefined) out[r * w + e.dims] = e.biasChannel;
  });
  return out;
}

/** Runs the ann ops downstream of the readouts (SPINN product, output) with the readouts' values. */
export function hostOutputs(
  g: Graph,
  inputs: readonly (readonly number[])[],
  readout: Map<string, Float64Array>,
): number[][] {
  const out = g.nodes.find((n) => n.kind === 'ann.output');
  if (!out) throw new IrError('the graph has no ann.output');
  const w = widthOf(out);
  const vals = evalAnnAll(g, inputs, readout).get(out.id)!;
  return inputs.map((_, r) => Array.from(vals.subarray(r * w, (r + 1) * w)));
}
