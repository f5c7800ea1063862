/** sqrt(sum (a - b)^2 / sum b^2) over the chosen output columns (all when absent). */
export function relativeL2(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  outputs?: readonly number[],
): number {
  let num = 0;
  let den = 0;
  a.forEach((row, i) => {
    (outputs ?? row.map((_, k) => k)).forEach((k) => {
      num += (row[k] - b[i][k]) ** 2;
      den += b[i][k] ** 2;
    });
  });
  return Math.sqrt(num / Math.max(den, 1e-300));
}
