/** One markdown table row from its cells. */
export const mdRow = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
