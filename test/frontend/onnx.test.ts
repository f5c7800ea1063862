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
  for (const name of ['poisson2d_tanh', 'poisson2d_spinn']) {
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
