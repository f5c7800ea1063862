import type * as TF from '@tensorflow/tfjs';
import { type ActivationFn, type Graph, GraphBuilder, IrError, f32, verify } from '../../ir/index.js';
import { ProblemList } from '../errors.js';

/** A layer as the Keras JSON topology describes it. */
interface LayerSpec {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, any>;
  /** Names of the layers feeding this one (functional models); undefined in a Sequential model. */
  readonly inbound?: readonly string[];
}

export interface Topology {
  readonly kind: 'sequential' | 'functional';
  readonly name: string;
  readonly layers: readonly LayerSpec[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

const ACTIVATIONS: Record<string, ActivationFn> = {
  linear: 'identity',
  tanh: 'tanh',
  sin: 'sin',
  sigmoid: 'sigmoid',
  softplus: 'softplus',
  swish: 'silu',
  silu: 'silu',
  gelu: 'gelu',
  elu: 'elu',
  relu: 'relu',
};

export const SUPPORTED_TFJS_LAYERS = [
  'InputLayer',
  'Dense',
  'Activation',
  'Rescaling',
  'Multiply',
  'Dot',
  'Concatenate',
  'Dropout',
  'Flatten',
];

const activationName = (a: unknown): string =>
  a == null ? 'linear' : typeof a === 'string' ? a : String((a as any).class_name ?? (a as any).className ?? a);

/** Reads the Keras JSON topology of a LayersModel (Sequential or functional). */
export function readTopology(raw: unknown): Topology {
  const top = ((raw as any)?.model_config ?? raw) as { class_name?: string; config?: any };
  const cls = top?.class_name;
  const cfg = top?.config ?? {};
  if (cls === 'Sequential') {
    const list: any[] = Array.isArray(cfg) ? cfg : (cfg.layers ?? []);
    const layers = list.map((l) => ({ className: l.class_name, name: l.config?.name ?? '', config: l.config ?? {} }));
    return { kind: 'sequential', name: cfg.name ?? 'model', layers, inputs: [], outputs: [] };
  }
  if (cls === 'Model' || cls === 'Functional') {
    const layers = (cfg.layers ?? []).map((l: any) => ({
      className: l.class_name,
      name: l.name ?? l.config?.name,
      config: l.config ?? {},
      inbound: (l.inbound_nodes?.[0] ?? []).map((n: any[]) => n[0] as string),
    }));
    const names = (xs: any[]): string[] => (xs ?? []).map((x) => x[0] as string);
    return {
      kind: 'functional',
      name: cfg.name ?? 'model',
      layers,
      inputs: names(cfg.input_layers),
      outputs: names(cfg.output_layers),
    };
  }
  throw new Error(`a model of class '${cls ?? 'unknown'}' (expected Sequential or a functional Model)`);
}

/** Problems visible from the topology alone: unsupported layers and activations, all of them. */
export function topologyProblems(t: Topology, problems: ProblemList): void {
  const lists = new Set<string>();
  for (const l of t.layers) {
    const where = `layer '${l.name}' (${l.className})`;
    if (!SUPPORTED_TFJS_LAYERS.includes(l.className)) {
      problems.add(where, 'unsupported layer');
      lists.add(`the layers ${SUPPORTED_TFJS_LAYERS.join(', ')}`);
      continue;
    }
    if (
      (l.className === 'Dense' || l.className === 'Activation') &&
      !(activationName(l.config.activation) in ACTIVATIONS)
    ) {
      problems.add(where, `unsupported activation '${activationName(l.config.activation)}'`);
      lists.add(`the activations ${Object.keys(ACTIVATIONS).join(', ')}`);
    }
  }
  // what spikec supports, said once after all the problems
  if (lists.size) problems.addNote(`spikec supports ${[...lists].join('; and ')}`);
}

function inputWidth(shape: unknown, where: string, problems: ProblemList): number {
  const s = shape as (number | null)[] | undefined;
  if (!Array.isArray(s) || s.length !== 2 || typeof s[1] !== 'number' || s[1] < 1) {
    problems.add(where, `input shape ${JSON.stringify(s)}; spikec needs [batch, features]`);
    return 0;
  }
  return s[1];
}

/** Lowers a loaded LayersModel into an ann-dialect graph, listing every problem together. */
export function lowerLayersModel(model: TF.LayersModel, t: Topology, file: string): Graph {
  const problems = new ProblemList();
  const b = new GraphBuilder(t.name);
  const out = new Map<string, { id: string; width: number }>();

  // Inputs: an InputLayer per input (functional), or the first layer's batch_input_shape (Sequential).
  const inputLayers = t.kind === 'functional' ? t.inputs.map((n) => t.layers.find((l) => l.name === n)!) : [];
  const seqFirst = t.layers[0];
  const inputSpecs =
    t.kind === 'functional'
      ? inputLayers.map((l) => ({
          name: l.name,
          width: inputWidth(l.config.batch_input_shape, `input '${l.name}'`, problems),
        }))
      : [{ name: 'x', width: inputWidth(seqFirst?.config.batch_input_shape, `layer '${seqFirst?.name}'`, problems) }];
  problems.throwIfAny(file);
  const names = inputSpecs.flatMap((s) =>
    s.width === 1 ? [s.name] : Array.from({ length: s.width }, (_, j) => `${s.name}${j}`),
  );
  const input = b.add({
    kind: 'ann.input',
    id: inputSpecs.length === 1 ? inputSpecs[0].name : 'input',
    inputs: [],
    dims: names.length,
    names,
  });
  let offset = 0;
  for (const s of inputSpecs) {
    const id =
      inputSpecs.length === 1
        ? input
        : b.add({ kind: 'ann.slice', id: s.name, inputs: [input], start: offset, stop: offset + s.width });
    out.set(s.name, { id, width: s.width });
    offset += s.width;
  }

  let previous = inputSpecs[0].name;
  for (const l of t.layers) {
    if (l.className === 'InputLayer') continue;
    const where = `layer '${l.name}' (${l.className})`;
    const srcNames = t.kind === 'functional' ? (l.inbound ?? []) : [previous];
    previous = l.name;
    const srcs = srcNames.map((n) => out.get(n));
    if (srcs.some((s) => !s)) continue; // an earlier problem already covers it
    try {
      out.set(l.name, lowerLayer(model, l, srcs as { id: string; width: number }[], b, where));
    } catch (e) {
      if (!(e instanceof IrError || e instanceof LayerFail)) throw e;
      problems.add(where, e instanceof IrError ? e.message.replace(/^%\S+: /, '') : e.message);
    }
  }
  problems.throwIfAny(file);
  const outputs = t.kind === 'functional' ? t.outputs : [previous];
  const results = outputs.map((n) => out.get(n)!);
  const outNames = outputs.flatMap((n, i) =>
    results[i].width === 1 ? [n] : Array.from({ length: results[i].width }, (_, j) => `${n}${j}`),
  );
  const final =
    results.length === 1
      ? results[0].id
      : b.add({ kind: 'ann.concat', id: 'outputs', inputs: results.map((r) => r.id) });
  b.add({ kind: 'ann.output', id: 'output', inputs: [final], names: outNames.length === 1 ? ['u'] : outNames });
  return verify(b.build(), file);
}

class LayerFail extends Error {}
const fail = (message: string): never => {
  throw new LayerFail(message);
};

function weightsOf(model: TF.LayersModel, l: LayerSpec): { shape: number[]; data: number[] }[] {
  return model.getLayer(l.name).weights.map((w) => {
    const data = Array.from(w.read().dataSync() as Float32Array);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`weight '${w.originalName}' value ${bad} is ${data[bad]}`);
    return { shape: w.shape as number[], data };
  });
}

function activation(
  b: GraphBuilder,
  x: { id: string; width: number },
  a: unknown,
  name: string,
): { id: string; width: number } {
  const fn = ACTIVATIONS[activationName(a)];
  if (fn === 'identity') return x;
  return { id: b.add({ kind: 'ann.act', id: name, inputs: [x.id], fn }), width: x.width };
}

function lowerLayer(
  model: TF.LayersModel,
  l: LayerSpec,
  srcs: { id: string; width: number }[],
  b: GraphBuilder,
  where: string,
): { id: string; width: number } {
  const c = l.config;
  const one = (): { id: string; width: number } => {
    if (srcs.length !== 1) fail(`takes one input, got ${srcs.length}`);
    return srcs[0];
  };
  switch (l.className) {
    case 'Dense': {
      const x = one();
      const [kernel, bias] = weightsOf(model, l);
      const [inW, units] = kernel.shape;
      if (inW !== x.width) fail(`kernel has shape [${kernel.shape}] but its input has ${x.width} features`);
      const weight = Array.from(
        { length: units * inW },
        (_, k) => kernel.data[(k % inW) * units + Math.floor(k / inW)],
      );
      const id = b.add({
        kind: 'ann.dense',
        id: l.name,
        inputs: [x.id],
        weight: f32([units, inW], weight),
        bias: f32([units], bias?.data ?? Array(units).fill(0)),
      });
      return activation(b, { id, width: units }, c.activation, `${l.name}_act`);
    }
    case 'Activation':
      return activation(b, one(), c.activation, l.name);
    case 'Rescaling': {
      const x = one();
      const s = Number(c.scale ?? 1);
      const o = Number(c.offset ?? 0);
      const id = b.add({
        kind: 'ann.scale',
        id: l.name,
        inputs: [x.id],
        scale: f32([x.width], Array(x.width).fill(s)),
        shift: f32([x.width], Array(x.width).fill(o)),
      });
      return { id, width: x.width };
    }
    case 'Multiply':
      if (srcs.length < 2) fail('needs at least two inputs');
      return {
        id: b.add({ kind: 'ann.product', id: l.name, inputs: srcs.map((s) => s.id), rank: 1 }),
        width: srcs[0].width,
      };
    case 'Dot': {
      const axes = Array.isArray(c.axes) ? c.axes : [c.axes, c.axes];
      if (srcs.length !== 2 || !axes.every((a: number) => a === 1 || a === -1) || c.normalize)
        fail('only the plain inner product of two [batch, r] values (axes = -1, normalize = false) is supported');
      return {
        id: b.add({ kind: 'ann.product', id: l.name, inputs: srcs.map((s) => s.id), rank: srcs[0].width }),
        width: 1,
      };
    }
    case 'Concatenate':
      if (c.axis !== undefined && c.axis !== -1 && c.axis !== 1)
        fail(`concatenates along axis ${c.axis}; spikec handles the feature axis`);
      return {
        id: b.add({ kind: 'ann.concat', id: l.name, inputs: srcs.map((s) => s.id) }),
        width: srcs.reduce((s, x) => s + x.width, 0),
      };
    case 'Dropout':
    case 'Flatten':
      return one();
    default:
      return fail(`unsupported layer (${where})`);
  }
}
