import { render } from '../src/verification/plots.js';
import type { ConversionRow } from './conversion.js';
import { RESULTS } from './common.js';

/** error-vs-T and error-vs-spike-rate plots of a conversion sweep (calibrated pwl, and every strategy). */
export async function conversionPlots(rows: readonly ConversionRow[], suffix: string): Promise<string[]> {
  const cal = rows.filter((r) => r.calibrated);
  const out: string[] = [];
  out.push(
    ...(await render(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: 'SNN vs ANN relative L2 error against T (pwl, calibrated)',
        width: 460,
        height: 300,
        data: {
          values: cal.filter((r) => r.strategy === 'pwl').map((r) => ({ T: r.T, error: r.snn_vs_ann, model: r.model })),
        },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'T', type: 'quantitative', scale: { type: 'log', base: 2 } },
          y: { field: 'error', type: 'quantitative', scale: { type: 'log' } },
          color: { field: 'model', type: 'nominal' },
        },
      },
      RESULTS,
      `error-vs-T${suffix}`,
    )),
  );
  out.push(
    ...(await render(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: 'SNN vs ANN error against spike rate (calibrated; point size: T)',
        width: 460,
        height: 300,
        data: {
          values: cal.map((r) => ({
            rate: r.spike_rate,
            error: r.snn_vs_ann,
            strategy: r.strategy,
            T: r.T,
            model: r.model,
          })),
        },
        mark: { type: 'point', filled: true },
        encoding: {
          x: { field: 'rate', type: 'quantitative', title: 'spikes per neuron per step' },
          y: { field: 'error', type: 'quantitative', scale: { type: 'log' } },
          color: { field: 'strategy', type: 'nominal' },
          shape: { field: 'model', type: 'nominal' },
          size: { field: 'T', type: 'quantitative' },
        },
      },
      RESULTS,
      `error-vs-rate${suffix}`,
    )),
  );
  return out;
}
