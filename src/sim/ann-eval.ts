import { match } from 'ts-pattern';
import { type Graph, IrError, activationFn, normalize, width } from '../ir/index.js';
import { denseWithBias } from './kernels.js';

/** Values of every node for a batch: node id -> row-major [batch, width] in float64. */
export type Activations = Map<string, Float64Array>;

/**
 * The ann-dialect reference evaluator: runs the graph on a batch of input rows in float64 and
 * returns every node's values (the outputs are under the ann.output node's id). `preset` supplies
 * the values of nodes computed elsewhere (the simulator's readouts); other snn ops are then skipped.
 */
export function evalAnnAll(
  g: Graph,
  inputs: readonly (readonly number[])[],
  preset?: ReadonlyMap<string, Float64Array>,
): Activations {
  const batch = inputs.length;
  const vals: Activations = new Map();
  const widths = new Map(g.nodes.map((n) => [n.id, width(n.type)]));
  for (const n of g.nodes) {
    const given = preset?.get(n.id);
    if (given) {
      vals.set(n.id, given);
      continue;
    }
    if (preset && n.kind.startsWith('snn.')) continue;
    const w = width(n.type);
    const out = new Float64Array(batch * w);
    const src = (k = 0): Float64Array => vals.get(n.inputs[k])!;
    const inW = (k = 0): number => widths.get(n.inputs[k])!;
    match(n)
      .with({ kind: 'ann.input' }, (x) => {
        inputs.forEach((row, r) => {
          if (row.length !== x.dims)
            throw new IrError(`input row ${r} has ${row.length} values, the graph takes ${x.dims}`, `%${x.id}`);
          for (let j = 0; j < x.dims; j++) {
            const v = row[j];
            if (!Number.isFinite(v)) throw new IrError(`input row ${r} value ${j} is ${v}`, `%${x.id}`);
            out[r * w + j] = normalize(x.normalization, j, v);
          }
        });
      })
      .with({ kind: 'ann.dense' }, (d) => {
        denseWithBias(src(), d.weight.data, d.bias.data, out, batch, inW(), w);
      })
      .with({ kind: 'ann.act' }, (a) => {
        const f = activationFn(a.fn, a.table);
        const x = src();
        for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
      })
      .with({ kind: 'ann.scale' }, (s) => {
        const x = src();
        for (let i = 0; i < out.length; i++) out[i] = x[i] * s.scale.data[i % w] + s.shift.data[i % w];
      })
      .with({ kind: 'ann.slice' }, (s) => {
        const x = src();
        const k = inW();
        for (let r = 0; r < batch; r++) for (let j = 0; j < w; j++) out[r * w + j] = x[r * k + s.start + j];
      })
      .with({ kind: 'ann.concat' }, () => {
        let off = 0;
        n.inputs.forEach((_, k) => {
          const x = src(k);
          const kw = inW(k);
          for (let r = 0; r < batch; r++) for (let j = 0; j < kw; j++) out[r * w + off + j] = x[r * kw + j];
          off += kw;
        });
      })
      .with({ kind: 'ann.product' }, (p) => {
        const xs = n.inputs.map((_, k) => src(k));
        const bw = w * p.rank;
        for (let r = 0; r < batch; r++) {
          for (let j = 0; j < w; j++) {
            let s = 0;
            for (let k = 0; k < p.rank; k++) {
              let prod = 1;
              for (const x of xs) prod *= x[r * bw + j * p.rank + k];
              s += prod;
            }
            out[r * w + j] = s;
          }
        }
      })
      .with({ kind: 'ann.output' }, () => out.set(src()))
      .with(
        { kind: 'snn.encoder' },
        { kind: 'snn.synapse' },
        { kind: 'snn.neurons' },
        { kind: 'snn.sigma-delta' },
        { kind: 'snn.readout' },
        (s) => {
          throw new IrError(
            `${s.kind} is an snn op; the ann evaluator runs ann-dialect graphs (use the simulator for snn graphs)`,
            `%${s.id}`,
          );
        },
      )
      .exhaustive();
    vals.set(n.id, out);
  }
  return vals;
}

/** The graph's outputs for a batch of input rows, one row of outputs per input row. */
export function evalAnn(g: Graph, inputs: readonly (readonly number[])[]): number[][] {
  const outNode = g.nodes.find((n) => n.kind === 'ann.output');
  if (!outNode) throw new IrError('the graph has no ann.output');
  const vals = evalAnnAll(g, inputs).get(outNode.id)!;
  const w = width(outNode.type);
  return inputs.map((_, r) => Array.from(vals.subarray(r * w, (r + 1) * w)));
}
