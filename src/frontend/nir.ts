import h5wasm from 'h5wasm/node';
import { type Graph, GraphBuilder, IrError, f32, verify } from '../ir/index.js';
import { ImportError } from './errors.js';

type H5File = InstanceType<typeof h5wasm.File>;

const read = (f: H5File, path: string): unknown => (f.get(path) as { value?: unknown } | null)?.value;
const numbers = (v: unknown): number[] => Array.from(v as ArrayLike<number | bigint>, Number);
const attr = (f: H5File, path: string, name: string): unknown => (f.get(path) as { attrs?: Record<string, { value: unknown }> } | null)?.attrs?.[name]?.value;

/**
 * Imports a NIR graph (HDF5, as nir.write lays it out) into the snn dialect: a chain
 * Input -> Affine -> IF -> ... -> Affine -> Output. spikec_* attributes restore what NIR cannot say
 * (reset by subtraction, ternary spikes, initial potentials, the readout window); without them a
 * network resets to zero, starts at rest and reads out over its depth + 64 steps.
 */
export async function importNir(path: string): Promise<Graph> {
  await h5wasm.ready;
  let f: H5File;
  try {
    f = new h5wasm.File(path, 'r');
  } catch (e) {
    throw new ImportError(path, [{ where: 'file', message: `not an HDF5 file (${(e as Error).message})` }]);
  }
  try {
    if (read(f, 'node/type') !== 'NIRGraph') throw new ImportError(path, [{ where: 'node/type', message: 'not a NIR graph (expected "NIRGraph")' }]);
    const edgeList = read(f, 'node/edges') as string[];
    const next = new Map<string, string>();
    for (let k = 0; k < edgeList.length; k += 2) next.set(edgeList[k], edgeList[k + 1]);
    const names = (f.get('node/nodes') as { keys(): string[] }).keys();
    const typeOf = (n: string): string => String(read(f, `node/nodes/${n}/type`));
    const inputs = names.filter((n) => typeOf(n) === 'Input');
    if (inputs.length !== 1) throw new ImportError(path, [{ where: 'node/nodes', message: `needs exactly one Input node (found ${inputs.length})` }]);
    const problems = names.filter((n) => !['Input', 'Affine', 'IF', 'Output'].includes(typeOf(n)));
    if (problems.length) throw new ImportError(path, problems.map((n) => ({ where: `node '${n}' (${typeOf(n)})`, message: 'unsupported NIR node (spikec reads Input, Affine, IF, Output)' })));
    const b = new GraphBuilder(path.replace(/^.*\//, '').replace(/\.(nir|h5|hdf5)$/, ''));
    const p = (n: string): string => `node/nodes/${n}`;
    const json = (n: string, a: string): unknown => {
      const v = attr(f, p(n), a);
      return v === undefined ? undefined : JSON.parse(String(v));
    };
    const inName = inputs[0];
    const dims = numbers(read(f, `${p(inName)}/shape`))[0];
    const extras = Object.fromEntries(
      (['names', 'domain', 'normalization'] as const).flatMap((k) => {
        const v = json(inName, `spikec_${k}`);
        return v === undefined ? [] : [[k, v]];
      }),
    );
    let cur = b.add({ kind: 'snn.encoder', id: inName, inputs: [], dims, mode: 'current', ...extras });
    let node = next.get(inName);
    let depth = 0;
    while (node) {
      if (typeOf(node) !== 'Affine') throw new ImportError(path, [{ where: `node '${node}' (${typeOf(node)})`, message: 'expected an Affine after an Input or IF node' }]);
      const target = next.get(node);
      if (!target) throw new ImportError(path, [{ where: `node '${node}'`, message: 'an Affine that leads nowhere' }]);
      const W = numbers(read(f, `${p(node)}/weight`));
      const bias = numbers(read(f, `${p(node)}/bias`));
      const out = bias.length;
      const inW = W.length / out;
      const syn = b.add({ kind: 'snn.synapse', id: node, inputs: [cur], weight: { kind: 'float', values: f32([out, inW], W) } });
      depth++;
      if (typeOf(target) === 'IF') {
        const th = numbers(read(f, `${p(target)}/v_threshold`));
        if (th.some((t) => t !== th[0])) throw new ImportError(path, [{ where: `node '${target}' (IF)`, message: 'per-neuron thresholds differ; spikec populations share one threshold' }]);
        const v0 = attr(f, p(target), 'spikec_initial_v');
        cur = b.add({
          kind: 'snn.neurons',
          id: target,
          inputs: [syn],
          model: 'if',
          arith: 'float',
          threshold: th[0],
          reset: (attr(f, p(target), 'spikec_reset') as 'subtract' | 'zero' | undefined) ?? 'zero',
          currentDecay: 1,
          voltageDecay: 0,
          bias: f32([out], bias),
          initialV: f32([out], v0 ? numbers(v0) : Array(out).fill(0)),
          spikeSign: (attr(f, p(target), 'spikec_spike_sign') as 'unsigned' | 'signed' | undefined) ?? 'unsigned',
          payloadBits: 0,
        });
        node = next.get(target);
      } else if (typeOf(target) === 'Output') {
        const win = attr(f, p(target), 'spikec_window');
        const window = (win ? numbers(win) : [depth, depth + 64]) as [number, number];
        const r = b.add({ kind: 'snn.readout', id: target, inputs: [syn], scale: f32([out], Array(out).fill(1)), offset: f32([out], bias), window });
        const names = json(target, 'spikec_names') as string[] | undefined;
        b.add({ kind: 'ann.output', id: `${target}_out`, inputs: [r], ...(names ? { names } : {}) });
        node = undefined;
      } else throw new ImportError(path, [{ where: `node '${target}' (${typeOf(target)})`, message: 'expected IF or Output after an Affine' }]);
    }
    return verify(b.build(), path);
  } catch (e) {
    if (e instanceof IrError && !(e instanceof ImportError)) throw new ImportError(path, [{ where: 'graph', message: e.message }]);
    throw e;
  } finally {
    f.close();
  }
}
