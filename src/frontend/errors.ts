/** One thing wrong with an imported model: where (node or layer, and its op) and why. */
export interface ImportProblem {
  readonly where: string;
  readonly message: string;
}

/**
 * A model that cannot be imported. Every problem found is listed, so that a user sees all the
 * unsupported ops of a model in one run.
 */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ImportProblem[],
  ) {
    const lines = problems.map((p) => `  ${p.where}: ${p.message}`);
    const head = problems.length === 1 ? 'cannot import' : `cannot import (${problems.length} problems)`;
    super(`${file}: ${head}:\n${lines.join('\n')}`);
    this.name = 'ImportError';
  }
}

/** Collects problems while a frontend keeps going, then throws them all together. */
export class ProblemList {
  readonly items: ImportProblem[] = [];

  add(where: string, message: string): void {
    this.items.push({ where, message });
  }

  throwIfAny(file: string): void {
    if (this.items.length > 0) throw new ImportError(file, this.items);
  }
}
