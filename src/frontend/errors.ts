/** One thing wrong with an imported model: where (node or layer, and its op) and why. */
export interface ImportProblem {
  readonly where: string;
  readonly message: string;
}

/** Where a problem with the file itself (not one of its nodes) is reported. */
export const WHOLE_FILE = 'file';

/**
 * A model that cannot be imported. Every problem found is listed, so that a user sees all the
 * unsupported ops of a model in one run; a single problem is one line.
 */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly ImportProblem[],
    /** What applies to all of them (the ops spikec supports), said once at the end. */
    readonly note?: string,
  ) {
    const one = problems.length === 1 ? problems[0] : undefined;
    super(
      one
        ? `${file}: cannot import: ${one.where === WHOLE_FILE ? '' : `${one.where}: `}${one.message}` +
            (note ? ` (${note})` : '')
        : `${file}: cannot import (${problems.length} problems):\n` +
            problems.map((p) => `  ${p.where}: ${p.message}`).join('\n') +
            (note ? `\n${note}` : ''),
    );
    this.name = 'ImportError';
  }
}

/** Collects problems while a frontend keeps going, then throws them all together. */
export class ProblemList {
  readonly items: ImportProblem[] = [];
  private note?: string;

  add(where: string, message: string): void {
    this.items.push({ where, message });
  }

  /** Says `note` once after the problems (given again, it is not repeated). */
  addNote(note: string): void {
    this.note = note;
  }

  throwIfAny(file: string): void {
    if (this.items.length > 0) throw new ImportError(file, this.items, this.note);
  }
}
