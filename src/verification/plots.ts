import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../ir/index.js';
import type { VerifyRow } from './measure.js';

/** Renders a vega-lite spec to DIR/NAME.svg and DIR/NAME.png; returns the paths. */
export async function render(spec: TopLevelSpec, dir: string, name: string): Promise<string[]> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  const paths = [join(dir, `${name}.svg`), join(dir, `${name}.png`)];
  writeFileAtomic(paths[0], svg);
  writeFileAtomic(paths[1], png);
  return paths;
}

/** Ticks a grid's ordinal axis labels: about five of its values, ends included, in at most 3 digits. */
const GRID_TICKS = 5;
function gridAxis(values: readonly number[]): {
  values: number[];
  format: string;
  formatType: 'number';
  labelAngle: number;
} {
  const [n, count] = [values.length, Math.min(GRID_TICKS, values.length)];
  const picks = Array.from({ length: count }, (_, k) => values[Math.round((k * (n - 1)) / Math.max(count - 1, 1))]);
  return { values: [...new Set(picks)], format: '.3~g', formatType: 'number', labelAngle: 0 };
}

export interface FieldData {
  readonly inputs: readonly string[];
  readonly points: readonly (readonly number[])[];
  readonly snn: readonly (readonly number[])[];
  readonly exact: readonly (readonly number[])[] | null;
  readonly ann: readonly (readonly number[])[];
  readonly output: string;
}

/**
 * The verification plots: the SNN's solution and its error field (a line plot for 1-D problems, heat
 * maps over the first two inputs otherwise, at the last value of any further input), and the
 * errors against T when a sweep was run.
 */
export async function verificationPlots(
  dir: string,
  title: string,
  field: FieldData,
  sweep: readonly VerifyRow[] | undefined,
): Promise<string[]> {
  const written = field.inputs.length === 1 ? await linePlots(dir, title, field) : await heatMaps(dir, field);
  if (sweep && sweep.length > 1) written.push(...(await errorVsT(dir, title, sweep)));
  return written;
}

/** The reference the SNN is compared with: the exact solution where there is one, else the ANN. */
const referenceOf = (field: FieldData) => ({ ref: field.exact ?? field.ann, refName: field.exact ? 'exact' : 'ANN' });

/** 1-D problems: the SNN's solution beside the reference, and the error, as lines. */
async function linePlots(dir: string, title: string, field: FieldData): Promise<string[]> {
  const { ref, refName } = referenceOf(field);
  const written: string[] = [];
  const values = field.points.flatMap((p, i) => [
    { x: p[0], u: ref[i][0], series: refName },
    { x: p[0], u: field.snn[i][0], series: 'SNN' },
  ]);
  written.push(
    ...(await render(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: `${title}: ${field.output}`,
        width: 480,
        height: 280,
        data: { values },
        mark: 'line',
        encoding: {
          x: { field: 'x', type: 'quantitative', title: field.inputs[0] },
          y: { field: 'u', type: 'quantitative', title: field.output },
          color: { field: 'series', type: 'nominal' },
        },
      },
      dir,
      'solution',
    )),
  );
  const err = field.points.map((p, i) => ({ x: p[0], error: field.snn[i][0] - ref[i][0] }));
  written.push(
    ...(await render(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: `SNN - ${refName}`,
        width: 480,
        height: 200,
        data: { values: err },
        mark: 'line',
        encoding: {
          x: { field: 'x', type: 'quantitative', title: field.inputs[0] },
          y: { field: 'error', type: 'quantitative' },
        },
      },
      dir,
      'error',
    )),
  );
  return written;
}

/**
 * Heat maps over the first two inputs (at the last value of any further input): the SNN's solution and
 * its error. A full grid is drawn as cells; scattered rows (--inputs) as dots.
 */
async function heatMaps(dir: string, field: FieldData): Promise<string[]> {
  const { ref, refName } = referenceOf(field);
  const written: string[] = [];
  const last = field.inputs.length > 2 ? Math.max(...field.points.map((p) => p[2])) : undefined;
  const keep = field.points.map((_, i) => i).filter((i) => last === undefined || field.points[i][2] === last);
  // a full grid over the first two inputs is drawn as cells; scattered rows (--inputs) as dots
  const xs = [...new Set(keep.map((i) => field.points[i][0]))].sort((a, b) => a - b);
  const ys = [...new Set(keep.map((i) => field.points[i][1]))].sort((a, b) => a - b);
  const isGrid = xs.length * ys.length === keep.length;
  const heat = (values: object[], color: string, name: string, t: string, scheme: 'viridis' | 'redblue') =>
    render(
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: t,
        width: 320,
        height: 320,
        data: { values },
        mark: isGrid ? 'rect' : { type: 'circle', size: 12, opacity: 1 },
        encoding: {
          x: isGrid
            ? { field: 'x', type: 'ordinal', title: field.inputs[0], axis: gridAxis(xs) }
            : { field: 'x', type: 'quantitative', title: field.inputs[0] },
          y: isGrid
            ? { field: 'y', type: 'ordinal', title: field.inputs[1], sort: 'descending', axis: gridAxis(ys) }
            : { field: 'y', type: 'quantitative', title: field.inputs[1] },
          color: { field: color, type: 'quantitative', scale: { scheme } },
        },
      },
      dir,
      name,
    );
  const suffix = last === undefined ? '' : ` (${field.inputs[2]} = ${last})`;
  written.push(
    ...(await heat(
      keep.map((i) => ({ x: field.points[i][0], y: field.points[i][1], u: field.snn[i][0] })),
      'u',
      'solution',
      `SNN ${field.output}${suffix}`,
      'viridis',
    )),
  );
  written.push(
    ...(await heat(
      keep.map((i) => ({ x: field.points[i][0], y: field.points[i][1], error: field.snn[i][0] - ref[i][0] })),
      'error',
      'error',
      `SNN - ${refName}${suffix}`,
      'redblue',
    )),
  );
  return written;
}

/** The errors against T of a sweep, on log scales. */
async function errorVsT(dir: string, title: string, sweep: readonly VerifyRow[]): Promise<string[]> {
  const values = sweep.flatMap((r) => [
    { T: r.T, error: r.snn_vs_ann, against: 'SNN vs ANN' },
    ...(r.snn_vs_exact === null ? [] : [{ T: r.T, error: r.snn_vs_exact, against: 'SNN vs exact' }]),
  ]);
  return render(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `${title}: relative L2 error vs T`,
      width: 420,
      height: 280,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'T', type: 'quantitative', scale: { type: 'log', base: 2 } },
        y: { field: 'error', type: 'quantitative', scale: { type: 'log' } },
        color: { field: 'against', type: 'nominal' },
      },
    },
    dir,
    'error-vs-T',
  );
}
