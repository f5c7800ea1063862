/** Python source for numbers and arrays, read back exactly. */

/** A number as Python reads back the same float64 (JavaScript's shortest round-trip form). */
export const pyNum = (x: number): string => (Object.is(x, -0) ? '-0.0' : String(x));
export const pyList = (v: readonly number[]): string => `[${v.map(pyNum).join(', ')}]`;
export const pyMatrix = (v: readonly number[], rows: number, cols: number): string => {
  const lines = Array.from({ length: rows }, (_, r) => `        ${pyList(v.slice(r * cols, (r + 1) * cols))},`);
  return `np.array([\n${lines.join('\n')}\n    ])`;
};
