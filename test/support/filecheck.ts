/**
 * A small FileCheck (LLVM's), enough for the per-pass tests: directives are comment lines of the input,
 *   // CHECK: text       a later line of the output holds text
 *   // CHECK-NEXT: text  the line right after the previous match holds text
 *   // CHECK-NOT: text   no line between the previous match and the next one (or the end) holds text
 * Text matches as a substring; {{re}} inside it is a regular expression (`{{[0-9.e-]+}}` for a number).
 */
export interface Directive {
  readonly kind: 'CHECK' | 'CHECK-NEXT' | 'CHECK-NOT';
  readonly pattern: string;
  /** 1-based line of the directive in its file. */
  readonly line: number;
}

const DIRECTIVE = /^\s*\/\/\s*(CHECK|CHECK-NEXT|CHECK-NOT):\s?(.*)$/;

/** The directives of `text`, whose first line is line `firstLine` of its file. */
export function directivesOf(text: string, firstLine = 1): Directive[] {
  return text.split('\n').flatMap((l, i) => {
    const m = DIRECTIVE.exec(l);
    return m ? [{ kind: m[1] as Directive['kind'], pattern: m[2].trimEnd(), line: firstLine + i }] : [];
  });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A directive's pattern as a regular expression: literal text, {{...}} spliced in as written. */
function regexOf(pattern: string): RegExp {
  const parts = pattern.split(/(\{\{.*?\}\})/);
  return new RegExp(parts.map((p) => (p.startsWith('{{') && p.endsWith('}}') ? p.slice(2, -2) : escape(p))).join(''));
}

/** Checks `output` against `directives`; returns what failed (empty: it passed). */
export function fileCheck(output: string, directives: readonly Directive[]): string[] {
  const lines = output.split('\n');
  const failures: string[] = [];
  let next = 0;
  let pendingNot: Directive[] = [];
  const notsBetween = (from: number, to: number): void => {
    for (const d of pendingNot) {
      const re = regexOf(d.pattern);
      const hit = lines.slice(from, to).findIndex((l) => re.test(l));
      if (hit >= 0) failures.push(`line ${d.line}: CHECK-NOT: '${d.pattern}' found in '${lines[from + hit].trim()}'`);
    }
    pendingNot = [];
  };
  for (const d of directives) {
    if (d.kind === 'CHECK-NOT') {
      pendingNot.push(d);
      continue;
    }
    const re = regexOf(d.pattern);
    if (d.kind === 'CHECK-NEXT') {
      if (next === 0 || next >= lines.length || !re.test(lines[next])) {
        failures.push(`line ${d.line}: CHECK-NEXT: '${d.pattern}' is not on the line after the previous match`);
        return failures;
      }
      notsBetween(next, next);
      next++;
      continue;
    }
    const at = lines.findIndex((l, i) => i >= next && re.test(l));
    if (at < 0) {
      failures.push(`line ${d.line}: CHECK: '${d.pattern}' not found after output line ${next}`);
      return failures;
    }
    notsBetween(next, at);
    next = at + 1;
  }
  notsBetween(next, lines.length);
  return failures;
}
