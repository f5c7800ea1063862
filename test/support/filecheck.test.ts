import { describe, expect, test } from 'vitest';
import { directivesOf, fileCheck } from './filecheck.js';

const OUT = ['graph "g" {', '  %a = x {v = 1.5}', '  %b = y', '  %c = z', '}'].join('\n');
const check = (directives: string): string[] => fileCheck(OUT, directivesOf(directives));

describe('filecheck', () => {
  test('CHECK finds lines in order; CHECK-NEXT the very next one', () => {
    expect(check('// CHECK: %a = x\n// CHECK-NEXT: %b = y\n// CHECK: }')).toEqual([]);
    expect(check('// CHECK: %b\n// CHECK: %a')).toEqual(["line 2: CHECK: '%a' not found after output line 3"]);
    expect(check('// CHECK: %a\n// CHECK-NEXT: %c')).toEqual([
      "line 2: CHECK-NEXT: '%c' is not on the line after the previous match",
    ]);
  });
  test('CHECK-NOT looks between its neighbours, or to the end', () => {
    expect(check('// CHECK: %a\n// CHECK-NOT: y\n// CHECK: %c')).toEqual(["line 2: CHECK-NOT: 'y' found in '%b = y'"]);
    expect(check('// CHECK: %b\n// CHECK-NOT: y')).toEqual([]);
    expect(check('// CHECK-NOT: w')).toEqual([]);
  });
  test('{{...}} is a regular expression, the rest literal', () => {
    expect(check('// CHECK: {v = {{[0-9.]+}}}')).toEqual([]);
    expect(check('// CHECK: {v = {{[a-z]+}}}')).toHaveLength(1);
    expect(check('// CHECK: %a = x {v = 1.5}')).toEqual([]);
    expect(check('// CHECK: %a = x {v = 1x5}')).toHaveLength(1);
  });
});
