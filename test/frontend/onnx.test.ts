import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ImportError, importOnnx } from '../../src/frontend/index.js';
import { diagnose } from '../../src/ir/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { ROOT, spikec } from '../support/cli.js';
import { type TestModel, onnxBytes } from '../support/onnx-builder.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'onnx');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-onnx-'));
});

function write(name: string, m: TestModel): string {
  const p = join(dir, name);
  writeFileSync(p, onnxBytes(m));
  return p;
}

function importError(path: string): string {
  try {
    importOnnx(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error('expected an ImportError');
}

describe('ONNX fixtures exported by PyTorch 1.13', () => {
  for (const name of ['poisson2d_tanh', 'poisson2d_spinn', 'poisson2d_gelu', 'poisson2d_elu']) {
    test(`${name} imports and reproduces PyTorch's outputs to 1e-5`, () => {
      const g = importOnnx(join(FIXTURES, `${name}.onnx`));
      expect(diagnose(g)).toEqual([]);
      const ref = JSON.parse(readFileSync(join(FIXTURES, `${name}.reference.json`), 'utf8')) as {
        inputs: number[][];
        outputs: number[][];
      };
      expect(ref.inputs.length).toBe(64);
      const out = evalAnn(g, ref.inputs);
      const worst = Math.max(...out.map((o, i) => Math.abs(o[0] - ref.outputs[i][0])));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  test('the SPINN becomes two branches joined by one ann.product of rank 16', () => {
    const g = importOnnx(join(FIXTURES, 'poisson2d_spinn.onnx'));
    const kinds = g.nodes.map((n) => n.kind);
    expect(kinds.filter((k) => k === 'ann.slice')).toHaveLength(2);
    const product = g.nodes.find((n) => n.kind === 'ann.product');
    expect(product && product.kind === 'ann.product' && product.rank).toBe(16);
    expect(product?.inputs).toHaveLength(2);
  });
});

describe('ONNX op coverage', () => {
  const x = { name: 'x', width: 2 };
  const W = { dims: [2, 3], data: [0.5, -1, 0.25, 2, 0.75, -0.5] }; // MatMul layout [in, out]
  const rows = [
    [0.1, 0.2],
    [-0.7, 0.4],
    [1.5, -2],
  ];
  const matmul = (r: number[]): number[] => [0, 1, 2].map((o) => r[0] * W.data[o] + r[1] * W.data[3 + o]);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));

  test('MatMul + Add + Mul/Sub/Div by constants fold into one dense layer', () => {
    const p = write('affine.onnx', {
      inputs: [x],
      outputs: [{ name: 'y', width: 3 }],
      initializers: {
        W,
        b: { dims: [3], data: [0.1, 0.2, 0.3] },
        two: { dims: [], data: [2] },
        c: { dims: [1, 3], data: [1, 2, 4] },
      },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], output: 'm' },
        { op: 'Add', inputs: ['m', 'b'], output: 'a' },
        { op: 'Mul', inputs: ['two', 'a'], output: 'k' },
        { op: 'Sub', inputs: ['k', 'c'], output: 's' },
        { op: 'Div', inputs: ['s', 'two'], output: 'y' },
      ],
    });
    const g = importOnnx(p);
    expect(g.nodes.map((n) => n.kind)).toEqual(['ann.input', 'ann.dense', 'ann.output']);
    const want = rows.map((r) => matmul(r).map((v, o) => (2 * (v + [0.1, 0.2, 0.3][o]) - [1, 2, 4][o]) / 2));
    evalAnn(g, rows).forEach((o, i) => o.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
  });

  test('activations, SiLU as Sigmoid * x, Concat, Reshape, Flatten, Identity', () => {
    const p = write('acts.onnx', {
      inputs: [x],
      outputs: [{ name: 'y', width: 8 }],
      initializers: { W, shape: { dims: [2], data: [-1, 3], int64: true } },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], output: 'm' },
        { op: 'Reshape', inputs: ['m', 'shape'], output: 'r' },
        { op: 'Flatten', inputs: ['r'], output: 'f', attrs: { axis: 1 } },
        { op: 'Identity', inputs: ['f'], output: 'h' },
        { op: 'Sigmoid', inputs: ['h'], output: 's' },
        { op: 'Mul', inputs: ['h', 's'], output: 'silu' },
        { op: 'Sin', inputs: ['silu'], output: 'sn' },
        { op: 'Softplus', inputs: ['h'], output: 'sp' },
        { op: 'Relu', inputs: ['x'], output: 'rl' },
        { op: 'Concat', inputs: ['sn', 'sp', 'rl'], output: 'y', attrs: { axis: 1 } },
      ],
    });
    const g = importOnnx(p);
    const acts = g.nodes.flatMap((n) => (n.kind === 'ann.act' ? [n.fn] : []));
    expect(acts.sort()).toEqual(['relu', 'silu', 'sin', 'softplus']);
    const want = rows.map((r) => {
      const h = matmul(r);
      return [
        ...h.map((v) => Math.sin(v * sig(v))),
        ...h.map((v) => Math.log1p(Math.exp(v))),
        ...r.map((v) => Math.max(0, v)),
      ];
    });
    evalAnn(g, rows).forEach((o, i) => o.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
  });

  test('opset 11 Slice by inputs and ReduceSum by attribute; several graph inputs and outputs', () => {
    const p = write('multi.onnx', {
      opset: 11,
      inputs: [
        { name: 'x', width: 1 },
        { name: 't', width: 2 },
      ],
      outputs: [
        { name: 'u', width: 1 },
        { name: 'v', width: 1 },
      ],
      initializers: {
        s: { dims: [1], data: [1], int64: true },
        e: { dims: [1], data: [9223372036854775807], int64: true },
        ax: { dims: [1], data: [1], int64: true },
      },
      nodes: [
        { op: 'Slice', inputs: ['t', 's', 'e', 'ax'], output: 't1' },
        { op: 'Mul', inputs: ['x', 't1'], output: 'p' },
        { op: 'ReduceSum', inputs: ['p'], output: 'u', attrs: { axes: [1], keepdims: 1 } },
        { op: 'ReduceSum', inputs: ['t'], output: 'v', attrs: { axes: [-1], keepdims: 1 } },
      ],
    });
    const g = importOnnx(p);
    const out = evalAnn(g, [
      [2, 3, 5],
      [-1, 0.5, 4],
    ]);
    expect(out).toEqual([
      [10, 8],
      [-4, 4.5],
    ]);
  });
});

describe('GELU and ELU, as exporters write them', () => {
  const x = { name: 'x', width: 2 };
  const rows = [
    [0.1, 0.2],
    [-0.7, 0.4],
    [1.5, -2],
    [-3, 2.5],
  ];
  const erf = (v: number): number => {
    // Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7): an independent check of the imported erf
    const t = 1 / (1 + 0.3275911 * Math.abs(v));
    const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return Math.sign(v) * (1 - poly * Math.exp(-v * v));
  };
  const gelu = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const geluTanh = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const elu = (v: number): number => (v > 0 ? v : Math.exp(v) - 1);
  const consts = {
    sqrt2: { dims: [], data: [Math.SQRT2] },
    invSqrt2: { dims: [], data: [Math.SQRT1_2] },
    one: { dims: [], data: [1] },
    half: { dims: [], data: [0.5] },
    three: { dims: [], data: [3] },
    cubic: { dims: [], data: [0.044715] },
    scale: { dims: [], data: [Math.sqrt(2 / Math.PI)] },
  };
  const imported = (name: string, nodes: TestModel['nodes'], opset = 17) =>
    importOnnx(write(name, { opset, inputs: [x], outputs: [{ name: 'y', width: 2 }], initializers: consts, nodes }));
  const expectFn = (g: ReturnType<typeof importOnnx>, fn: string, f: (v: number) => number): void => {
    expect(g.nodes.map((n) => (n.kind === 'ann.act' ? n.fn : n.kind))).toEqual(['ann.input', fn, 'ann.output']);
    evalAnn(g, rows).forEach((o, i) => o.forEach((v, j) => expect(v).toBeCloseTo(f(rows[i][j]), 6)));
  };

  test("PyTorch's GELU (opset 17): x / sqrt 2, Erf, + 1, * x, * 0.5 becomes one gelu", () => {
    const g = imported('gelu.onnx', [
      { op: 'Div', inputs: ['x', 'sqrt2'], output: 'd', name: '/1/Div' },
      { op: 'Erf', inputs: ['d'], output: 'e', name: '/1/Erf' },
      { op: 'Add', inputs: ['e', 'one'], output: 'a', name: '/1/Add' },
      { op: 'Mul', inputs: ['x', 'a'], output: 'm', name: '/1/Mul' },
      { op: 'Mul', inputs: ['m', 'half'], output: 'y', name: '/1/Mul_1' },
    ]);
    expectFn(g, 'gelu', gelu);
    expect(g.nodes[1].id).toBe('1.Gelu');
  });

  test('the same GELU in another order: 0.5 x first, * (1 / sqrt 2), constants on the left', () => {
    const g = imported('gelu2.onnx', [
      { op: 'Mul', inputs: ['half', 'x'], output: 'h' },
      { op: 'Mul', inputs: ['invSqrt2', 'x'], output: 'd' },
      { op: 'Erf', inputs: ['d'], output: 'e' },
      { op: 'Add', inputs: ['one', 'e'], output: 'a' },
      { op: 'Mul', inputs: ['h', 'a'], output: 'y' },
    ]);
    expectFn(g, 'gelu', gelu);
  });

  for (const cube of ['Pow', 'Mul'] as const)
    test(`GELU's tanh form with x^3 as ${cube === 'Pow' ? 'Pow(x, 3)' : 'x * (x * x)'} becomes one gelu_tanh`, () => {
      const x3: TestModel['nodes'] =
        cube === 'Pow'
          ? [{ op: 'Pow', inputs: ['x', 'three'], output: 'x3' }]
          : [
              { op: 'Mul', inputs: ['x', 'x'], output: 'x2' },
              { op: 'Mul', inputs: ['x', 'x2'], output: 'x3' },
            ];
      const g = imported(`gelu-tanh-${cube}.onnx`, [
        ...x3,
        { op: 'Mul', inputs: ['cubic', 'x3'], output: 'c' },
        { op: 'Add', inputs: ['x', 'c'], output: 'i' },
        { op: 'Mul', inputs: ['scale', 'i'], output: 's' },
        { op: 'Tanh', inputs: ['s'], output: 't' },
        { op: 'Add', inputs: ['one', 't'], output: 'a' },
        { op: 'Mul', inputs: ['x', 'a'], output: 'm' },
        { op: 'Mul', inputs: ['half', 'm'], output: 'y' },
      ]);
      expectFn(g, 'gelu_tanh', geluTanh);
    });

  test("opset 20's Gelu op (both forms) and Elu import directly; a tanh that is not GELU's stays a tanh", () => {
    expectFn(imported('gelu20.onnx', [{ op: 'Gelu', inputs: ['x'], output: 'y' }], 20), 'gelu', gelu);
    expectFn(
      imported('gelu20t.onnx', [{ op: 'Gelu', inputs: ['x'], output: 'y', attrs: { approximate: 'tanh' } }], 20),
      'gelu_tanh',
      geluTanh,
    );
    expectFn(imported('elu.onnx', [{ op: 'Elu', inputs: ['x'], output: 'y', attrs: { alpha: 1 } }]), 'elu', elu);
    expectFn(imported('tanh.onnx', [{ op: 'Tanh', inputs: ['x'], output: 'y' }]), 'tanh', Math.tanh);
  });

  test('a pattern that nearly matches is named as a GELU, with what differs; the supported list is said once', () => {
    const msg = importError(
      write('near.onnx', {
        inputs: [x],
        outputs: ['y', 'z', 'w'].map((name) => ({ name, width: 2 })),
        initializers: { ...consts, two: { dims: [], data: [2] }, notCubic: { dims: [], data: [0.05] } },
        nodes: [
          { op: 'Div', inputs: ['x', 'two'], output: 'd', name: 'div' },
          { op: 'Erf', inputs: ['d'], output: 'e', name: 'erf' },
          { op: 'Add', inputs: ['e', 'one'], output: 'a', name: 'add' },
          { op: 'Mul', inputs: ['x', 'a'], output: 'm', name: 'mul' },
          { op: 'Mul', inputs: ['m', 'half'], output: 'y', name: 'mul2' },
          { op: 'Elu', inputs: ['x'], output: 'z', name: 'elu', attrs: { alpha: 0.5 } },
          { op: 'Pow', inputs: ['x', 'three'], output: 'x3', name: 'pow' },
          { op: 'Mul', inputs: ['notCubic', 'x3'], output: 'c', name: 'cubic' },
          { op: 'Add', inputs: ['x', 'c'], output: 'i', name: 'inner' },
          { op: 'Mul', inputs: ['scale', 'i'], output: 's', name: 'scaled' },
          { op: 'Tanh', inputs: ['s'], output: 'w', name: 'tanh' },
        ],
      }),
    );
    expect(msg).toMatch(/cannot import \(3 problems\)/);
    expect(msg).toContain(
      "node 'erf' (Erf): unsupported op; it looks like part of a GELU, but not 0.5 x (1 + erf(x / sqrt 2)): " +
        "Erf's input is not x / sqrt 2\n",
    );
    expect(msg).toContain("node 'elu' (Elu): ELU with alpha = 0.5: spikec converts ELU with alpha 1");
    expect(msg).toContain(
      "node 'pow' (Pow): unsupported op; it looks like part of a GELU, but not " +
        '0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): the tanh is not of sqrt(2/pi) (x + 0.044715 x^3)\n',
    );
    expect(msg).toMatch(/\nspikec supports the ONNX ops Add, .*Elu, .*Gelu, .*; and GELU as Erf or Tanh patterns/);
    expect(msg.match(/spikec supports/g)).toHaveLength(1);
  });
});

describe('ONNX errors', () => {
  test('every unsupported op and non-constant weight is listed in one error', () => {
    const p = write('bad.onnx', {
      inputs: [{ name: 'x', width: 2 }],
      outputs: [{ name: 'y', width: 2 }],
      initializers: { W: { dims: [2, 2], data: [1, 0, 0, 1] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], output: 'c', name: 'conv1' },
        { op: 'LSTM', inputs: ['x', 'W', 'W'], output: 'l', name: 'lstm1' },
        { op: 'Tanh', inputs: ['x'], output: 't', name: 'tanh1' },
        { op: 'Gemm', inputs: ['x', 't'], output: 'g', name: 'gemm1' },
        { op: 'Add', inputs: ['g', 'W'], output: 'y', name: 'add1' },
      ],
    });
    const msg = importError(p);
    expect(msg).toMatch(/cannot import \(3 problems\)/);
    expect(msg).toContain("node 'conv1' (Conv): unsupported op");
    expect(msg).toContain("node 'lstm1' (LSTM): unsupported op");
    expect(msg).toContain("node 'gemm1' (Gemm): weight B ('t') is not a constant");
  });

  test('a shape mismatch names the node', () => {
    const p = write('shape.onnx', {
      inputs: [{ name: 'x', width: 2 }],
      outputs: [{ name: 'y', width: 1 }],
      initializers: { W: { dims: [1, 3], data: [1, 2, 3] } },
      nodes: [{ op: 'Gemm', inputs: ['x', 'W'], output: 'y', name: 'fc', attrs: { transB: 1 } }],
    });
    expect(importError(p)).toContain(
      "node 'fc' (Gemm): weight B has shape [1,3] (transB = 1) but its input has 2 features",
    );
  });

  test('NaN and Inf weights are caught where they enter', () => {
    const p = write('nan.onnx', {
      inputs: [{ name: 'x', width: 1 }],
      outputs: [{ name: 'y', width: 1 }],
      initializers: { W: { dims: [1, 1], data: [NaN] }, b: { dims: [1], data: [Infinity] } },
      nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], output: 'y', name: 'fc', attrs: { transB: 1 } }],
    });
    const msg = importError(p);
    expect(msg).toContain("initializer 'W': value 0 is NaN");
    expect(msg).toContain("initializer 'b': value 0 is Infinity");
  });

  test('a truncated file, a file that is not ONNX, and a missing file', () => {
    const bytes = readFileSync(join(FIXTURES, 'poisson2d_tanh.onnx'));
    writeFileSync(join(dir, 'trunc.onnx'), bytes.subarray(0, 5000));
    expect(importError(join(dir, 'trunc.onnx'))).toMatch(/trunc\.onnx: cannot import: not an ONNX model/);
    writeFileSync(join(dir, 'text.onnx'), 'hello, this is not a model\n');
    expect(importError(join(dir, 'text.onnx'))).toMatch(/text\.onnx: cannot import: not an ONNX model/);
    expect(importError(join(dir, 'none.onnx'))).toMatch(
      /none\.onnx: cannot import: cannot read: no such file or directory/,
    );
  });

  test('the CLI reports import errors with a non-zero exit and no stack trace', () => {
    writeFileSync(join(dir, 'text2.onnx'), 'not onnx');
    const r = spikec(['import', join(dir, 'text2.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spikec: error: .*text2\.onnx: cannot import:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
