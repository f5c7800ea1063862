/** One markdown table row from its cells. */
export const mdRow = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;

/** A figure in a results table: 3 significant digits in scientific notation, n/a where there is none. */
export const sci = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : x.toExponential(2);

/** A figure (sci) and, beside it, ` (Nx)`: how many times `ref` it is; no ratio where either is missing. */
export const sciTimes = (x: number | null, ref: number | null): string =>
  sci(x) + (x === null || ref === null ? '' : ` (${(x / ref).toFixed(1)}x)`);
