import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Tf, fileSaver, importTfjs, loadModel, loadTf } from '../../src/frontend/index.js';
import { diagnose } from '../../src/ir/index.js';
import { evalAnn } from '../../src/sim/ann-eval.js';
import { ROOT, spikec } from '../support/cli.js';
import { importErrorOf } from '../support/import-error.js';

let tf: Tf;
let dir: string;
beforeAll(async () => {
  tf = await loadTf();
  tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'spikec-tfjs-'));
});

const rows = Array.from({ length: 16 }, (_, i) => [Math.sin(i) * 0.9, Math.cos(3 * i) * 0.8, ((i * 7) % 11) / 11]);

async function save(name: string, model: TF.LayersModel): Promise<string> {
  const d = join(dir, name);
  await model.save(fileSaver(d));
  return join(d, 'model.json');
}

async function expectMatchesTfjs(model: TF.LayersModel, inputs: number[][], split?: number[]): Promise<void> {
  const path = await save(model.name, model);
  const g = await importTfjs(path);
  expect(diagnose(g)).toEqual([]);
  const feed = split
    ? split.map((_, k) =>
        tf.tensor2d(
          inputs.map((r) =>
            r.slice(
              split.slice(0, k).reduce((a, b) => a + b, 0),
              split.slice(0, k + 1).reduce((a, b) => a + b, 0),
            ),
          ),
        ),
      )
    : tf.tensor2d(inputs);
  const want = (model.predict(feed) as TF.Tensor).arraySync() as number[][];
  const got = evalAnn(g, inputs);
  for (let i = 0; i < inputs.length; i++)
    for (let j = 0; j < want[i].length; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(1e-5);
}

function mlp(name: string, act: string, inputs: number, outputs = 1): TF.Sequential {
  const m = tf.sequential({ name });
  m.add(
    tf.layers.dense({
      inputShape: [inputs],
      units: 16,
      activation: act as 'tanh',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.3 }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 16,
      activation: act as 'tanh',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
    }),
  );
  m.add(tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }));
  return m;
}

describe('TensorFlow.js LayersModel import', () => {
  test('a tanh MLP reproduces tfjs predictions to 1e-5', async () => {
    await expectMatchesTfjs(
      mlp('tanh_mlp', 'tanh', 2),
      rows.map((r) => r.slice(0, 2)),
    );
  });

  test('a sin MLP (custom activation) reproduces tfjs predictions', async () => {
    await expectMatchesTfjs(mlp('sin_mlp', 'sin', 3, 3), rows);
  });

  test('gelu and elu reproduce tfjs predictions', async () => {
    const m = tf.sequential({ name: 'gelus' });
    m.add(
      tf.layers.dense({
        inputShape: [2],
        units: 8,
        activation: 'gelu' as 'tanh',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 15 }),
      }),
    );
    // (tfjs saves its gelu_new as 'geluNew' and cannot load that back: no tanh-form GELU from tfjs)
    m.add(
      tf.layers.dense({ units: 8, activation: 'elu', kernelInitializer: tf.initializers.glorotNormal({ seed: 17 }) }),
    );
    m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 18 }) }));
    await expectMatchesTfjs(
      m,
      rows.map((r) => r.slice(0, 2)),
    );
    const g = await importTfjs(join(dir, 'gelus', 'model.json'));
    expect(g.nodes.flatMap((n) => (n.kind === 'ann.act' ? [n.fn] : []))).toEqual(['gelu', 'elu']);
  });

  test('sigmoid, softplus, swish, relu and an Activation layer', async () => {
    const m = tf.sequential({ name: 'mixed' });
    m.add(
      tf.layers.dense({
        inputShape: [2],
        units: 8,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }),
      }),
    );
    m.add(
      tf.layers.dense({
        units: 8,
        activation: 'softplus',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 6 }),
      }),
    );
    m.add(
      tf.layers.dense({ units: 8, activation: 'swish', kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }) }),
    );
    m.add(tf.layers.dense({ units: 8, kernelInitializer: tf.initializers.glorotNormal({ seed: 8 }) }));
    m.add(tf.layers.activation({ activation: 'relu' }));
    m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) }));
    await expectMatchesTfjs(
      m,
      rows.map((r) => r.slice(0, 2)),
    );
    const g = await importTfjs(join(dir, 'mixed', 'model.json'));
    expect(g.nodes.flatMap((n) => (n.kind === 'ann.act' ? [n.fn] : []))).toEqual([
      'sigmoid',
      'softplus',
      'silu',
      'relu',
    ]);
  });

  test('a functional SPINN (one branch per input axis, Dot) becomes an ann.product', async () => {
    const branch = (inp: TF.SymbolicTensor, seed: number): TF.SymbolicTensor => {
      let h = tf.layers
        .dense({ units: 12, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) })
        .apply(inp) as TF.SymbolicTensor;
      h = tf.layers
        .dense({ units: 12, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) })
        .apply(h) as TF.SymbolicTensor;
      return tf.layers
        .dense({ units: 8, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }) })
        .apply(h) as TF.SymbolicTensor;
    };
    const x = tf.input({ shape: [1], name: 'x' });
    const y = tf.input({ shape: [1], name: 'y' });
    const u = tf.layers.dot({ axes: -1, name: 'u' }).apply([branch(x, 10), branch(y, 20)]) as TF.SymbolicTensor;
    const m = tf.model({ inputs: [x, y], outputs: u, name: 'spinn2' });
    await expectMatchesTfjs(
      m,
      rows.map((r) => r.slice(0, 2)),
      [1, 1],
    );
    const g = await importTfjs(join(dir, 'spinn2', 'model.json'));
    const p = g.nodes.find((n) => n.kind === 'ann.product');
    expect(p?.kind === 'ann.product' && p.rank).toBe(8);
  });

  test('a three-axis SPINN with Multiply and a summing Dense', async () => {
    const ins = ['x', 'y', 't'].map((name) => tf.input({ shape: [1], name }));
    const feats = ins.map(
      (inp, k) =>
        tf.layers
          .dense({
            units: 6,
            activation: 'sin' as 'tanh',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 30 + k }),
          })
          .apply(inp) as TF.SymbolicTensor,
    );
    const prod = tf.layers.multiply().apply(feats) as TF.SymbolicTensor;
    const u = tf.layers
      .dense({ units: 1, kernelInitializer: tf.initializers.ones(), useBias: false })
      .apply(prod) as TF.SymbolicTensor;
    await expectMatchesTfjs(tf.model({ inputs: ins, outputs: u, name: 'spinn3' }), rows, [1, 1, 1]);
  });

  test('a model directory is accepted wherever a model is', async () => {
    const m = await loadModel(join(dir, 'tanh_mlp'));
    expect(m.format).toBe('tfjs');
    expect(m.dir).toBe(join(dir, 'tanh_mlp'));
  });
});

describe('TensorFlow.js errors', () => {
  const importError = (path: string): Promise<string> => importErrorOf(importTfjs, path);

  test('a missing shard and a shard of the wrong size', async () => {
    const path = await save('broken', mlp('broken', 'tanh', 2));
    const shard = join(dir, 'broken', 'weights.bin');
    const bytes = readFileSync(shard);
    truncateSync(shard, bytes.length - 4);
    expect(await importError(path)).toMatch(
      /weight shards 'weights\.bin': hold \d+ bytes, but the weights they carry \(.*\) need \d+/,
    );
    rmSync(shard);
    expect(await importError(path)).toMatch(
      /weight shard 'weights\.bin': listed in the weights manifest but cannot be read: no such file or directory/,
    );
  });

  test('unsupported layers and activations are all listed at once', async () => {
    const m = tf.sequential({ name: 'unsup' });
    m.add(tf.layers.dense({ inputShape: [4], units: 4, activation: 'selu' }));
    m.add(tf.layers.reshape({ targetShape: [4, 1] }));
    m.add(tf.layers.conv1d({ filters: 2, kernelSize: 2 }));
    m.add(tf.layers.lstm({ units: 2 }));
    const msg = await importError(await save('unsup', m));
    expect(msg).toMatch(/cannot import \(4 problems\)/);
    expect(msg).toMatch(/layer 'dense_Dense\d+' \(Dense\): unsupported activation 'selu'\n/);
    expect(msg).toMatch(/\(Reshape\): unsupported layer\n/);
    expect(msg).toMatch(/\(Conv1D\): unsupported layer\n/);
    expect(msg).toMatch(/\(LSTM\): unsupported layer\n/);
    // what is supported, once, after the problems
    expect(msg).toMatch(/\nspikec supports the activations linear, tanh, .*gelu.*; and the layers InputLayer, Dense, /);
    expect(msg.match(/spikec supports/g)).toHaveLength(1);
  });

  test('NaN weights name the layer', async () => {
    const m = mlp('nanw', 'tanh', 2);
    const [k, b] = m.layers[1].getWeights();
    const kd = k.arraySync() as number[][];
    kd[0][0] = NaN;
    m.layers[1].setWeights([tf.tensor2d(kd), b]);
    expect(await importError(await save('nanw', m))).toMatch(/layer '.*' \(Dense\): weight '.*kernel' value 0 is NaN/);
  });

  test('a shape mismatch between topology and weights', async () => {
    const path = await save('mismatch', mlp('mismatch', 'tanh', 2));
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, 3];
    writeFileSync(path, JSON.stringify(json));
    expect(await importError(path)).toMatch(/model: TensorFlow\.js cannot build it: .*[Ss]hape/);
  });

  /** The bundled poisson1d model.json (a functional Model), edited, beside a copy of its shard. */
  function edited(name: string, edit: (json: any) => void): string {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const json = JSON.parse(readFileSync(join(ROOT, 'examples', 'poisson1d', 'model.json'), 'utf8'));
    edit(json);
    copyFileSync(join(ROOT, 'examples', 'poisson1d', 'weights.bin'), join(d, 'weights.bin'));
    writeFileSync(join(d, 'model.json'), JSON.stringify(json));
    return join(d, 'model.json');
  }

  test('a layer graph naming a missing layer, or with a cycle, is refused before TensorFlow.js walks it', async () => {
    // tfjs itself re-queues such a node for ever
    const missing = edited('missing', (j) => (j.modelTopology.config.layers[2].inbound_nodes[0][0][0] = 'nope'));
    expect(await importError(missing)).toMatch(
      /layer 'dense1' \(Dense\): inbound node names layer 'nope', which the model does not define/,
    );
    const cycle = edited('cycle', (j) => (j.modelTopology.config.layers[1].inbound_nodes[0][0][0] = 'dense2'));
    expect(await importError(cycle)).toMatch(/the layer graph has a cycle through it/);
    const unnamed = edited('unnamed', (j) => delete j.modelTopology.config.layers[0].name);
    expect(await importError(unnamed)).toMatch(/modelTopology\.config\.layers\[0\]\.name: .*expected string/);
    const node = edited('node', (j) => (j.modelTopology.config.layers[2].inbound_nodes[0][0][1] = 3));
    expect(await importError(node)).toMatch(/inbound node names node 3 of layer 'dense0', which has 1/);
    const output = edited('output', (j) => (j.modelTopology.config.output_layers[0][0] = 'ghost'));
    expect(await importError(output)).toMatch(/output_layers: names layer 'ghost', which the model does not define/);
  });

  test('malformed manifests and topologies are named errors, not TypeErrors', async () => {
    const cases: [(j: any) => void, RegExp][] = [
      [
        (j) => (j.weightsManifest[0].weights[0].shape = 'x'),
        /weightsManifest\[0\]\.weights\[0\]\.shape: .*expected array/,
      ],
      [(j) => (j.weightsManifest[0].weights[0].shape = [-1, 2]), /weightsManifest\[0\]\.weights\[0\]\.shape\[0\]/],
      [(j) => (j.weightsManifest[0].weights = null), /weightsManifest\[0\]\.weights: .*expected array/],
      [(j) => (j.weightsManifest[0].weights[1] = null), /weightsManifest\[0\]\.weights\[1\]: .*expected object/],
      [(j) => (j.weightsManifest[0].weights[0].dtype = 'float99'), /weightsManifest\[0\]\.weights\[0\]\.dtype/],
      [
        (j) => (j.modelTopology.config.layers[1].config.units = 1e12),
        /modelTopology\.config\.layers\[1\]\.config\.units/,
      ],
      [
        (j) => (j.modelTopology.config.layers[1].inbound_nodes = [[['x', 'zero', 0]]]),
        /modelTopology\.config\.layers\[1\]\.inbound_nodes\[0\]\[0\]\[1\]/,
      ],
    ];
    for (const [i, [edit, msg]] of cases.entries()) expect(await importError(edited(`bad${i}`, edit))).toMatch(msg);
  });

  test('a model.json that is not a LayersModel', async () => {
    writeFileSync(join(dir, 'x.json'), '{"hello": 1}');
    expect(await importError(join(dir, 'x.json'))).toMatch(/x\.json: cannot import: not a TensorFlow\.js LayersModel/);
    const r = spikec(['import', join(dir, 'x.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^spikec: error: .*x\.json: cannot import:/);
  });
});
