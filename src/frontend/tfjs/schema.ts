import { z } from 'zod';
import { type ImportProblem, WHOLE_FILE } from '../errors.js';

/**
 * What spikec accepts of a TensorFlow.js model.json, checked before TensorFlow.js sees any of it:
 * tfjs trusts the file, and a malformed one makes it throw TypeErrors, allocate without bound or loop
 * for ever (an inbound node naming a layer that does not exist). Unknown keys are allowed.
 */
const MAX_DIM = 2 ** 20;
const dim = z.number().int().min(0).max(MAX_DIM);

const WeightEntry = z.looseObject({
  name: z.string().min(1),
  shape: z.array(dim).max(8),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z.looseObject({ dtype: z.enum(['uint8', 'uint16', 'float16']) }).optional(),
});

const WeightGroup = z.looseObject({
  paths: z.array(z.string().min(1)).min(1),
  weights: z.array(WeightEntry),
});

/** A Keras inbound node reference: [layer name, node index, tensor index, kwargs?]. */
const InboundRef = z.tuple([z.string().min(1), z.number().int().min(0), z.number().int().min(0)]).rest(z.unknown());

const LayerConfig = z.looseObject({
  name: z.string().optional(),
  units: z.number().int().min(1).max(MAX_DIM).optional(),
  batch_input_shape: z.array(z.number().int().min(1).max(MAX_DIM).nullable()).max(8).optional(),
});

const Layer = z.looseObject({
  class_name: z.string().min(1),
  name: z.string().min(1).optional(),
  config: LayerConfig.optional(),
  inbound_nodes: z.array(z.array(InboundRef)).optional(),
});

const Endpoint = z.tuple([z.string().min(1), z.number().int().min(0), z.number().int().min(0)]);

/**
 * A functional model's layer: tfjs finds inbound layers by this `name` (not config.name) and loops for
 * ever without it.
 */
const FunctionalLayer = Layer.extend({ name: z.string().min(1) });

const FunctionalConfig = z.looseObject({
  layers: z.array(FunctionalLayer).optional(),
  input_layers: z.array(Endpoint).optional(),
  output_layers: z.array(Endpoint).optional(),
});
const SequentialConfig = z.union([z.array(Layer), z.looseObject({ layers: z.array(Layer).optional() })]);

/** A Keras topology: the config's schema follows the class (a union would report only "Invalid input"). */
const Topology = z.looseObject({ class_name: z.string(), config: z.unknown() });

export const ModelJson = z.looseObject({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  /** The Keras topology itself, or an object holding it as `model_config`. */
  modelTopology: z.looseObject({ model_config: z.looseObject({}).optional() }),
  weightsManifest: z.array(WeightGroup).optional(),
});
export type ModelJson = z.infer<typeof ModelJson>;

const pathOf = (path: readonly PropertyKey[]): string =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '') || WHOLE_FILE;

/** Problems of a parsed model.json: schema first, then the layer graph (names unique, references defined, no cycle). */
export function modelJsonProblems(json: unknown): { problems: ImportProblem[]; model?: ModelJson } {
  const issues = (e: z.ZodError, prefix: PropertyKey[] = []): ImportProblem[] =>
    e.issues.slice(0, 20).map((i) => ({ where: pathOf([...prefix, ...i.path]), message: i.message }));
  const parsed = ModelJson.safeParse(json);
  if (!parsed.success) return { problems: issues(parsed.error) };
  const mt = parsed.data.modelTopology;
  const at: PropertyKey[] = mt.model_config ? ['modelTopology', 'model_config'] : ['modelTopology'];
  const top = Topology.safeParse(mt.model_config ?? mt);
  if (!top.success) return { problems: issues(top.error, at) };
  if (top.data.class_name === 'Sequential') {
    const seq = SequentialConfig.safeParse(top.data.config);
    return seq.success ? { problems: [], model: parsed.data } : { problems: issues(seq.error, [...at, 'config']) };
  }
  const fn = FunctionalConfig.safeParse(top.data.config);
  if (!fn.success) return { problems: issues(fn.error, [...at, 'config']) };
  const cfg = fn.data;
  return {
    problems: layerGraphProblems(cfg.layers ?? [], cfg.input_layers ?? [], cfg.output_layers ?? []),
    model: parsed.data,
  };
}

function layerGraphProblems(
  layers: readonly z.infer<typeof FunctionalLayer>[],
  inputs: readonly z.infer<typeof Endpoint>[],
  outputs: readonly z.infer<typeof Endpoint>[],
): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const names = layers.map((l) => l.name);
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (index.has(n)) problems.push({ where: `layer '${n}'`, message: 'the name is used by more than one layer' });
    index.set(n, i);
  });
  // A reference [layer, node, tensor] must name a node the layer has (an InputLayer has one) and its one
  // output tensor: tfjs waits for ever on a node that never comes.
  const refProblem = ([src, node, tensor]: readonly [string, number, number, ...unknown[]]): string | undefined => {
    if (!index.has(src)) return `names layer '${src}', which the model does not define`;
    const nodes = Math.max(1, layers[index.get(src)!].inbound_nodes?.length ?? 0);
    if (node >= nodes) return `names node ${node} of layer '${src}', which has ${nodes}`;
    if (tensor !== 0) return `names output ${tensor} of layer '${src}', which has one`;
    return undefined;
  };
  const edges = layers.map((l, i) =>
    (l.inbound_nodes ?? []).flat().flatMap((ref) => {
      const problem = refProblem(ref);
      if (!problem) return [index.get(ref[0])!];
      problems.push({ where: `layer '${names[i]}' (${l.class_name})`, message: `inbound node ${problem}` });
      return [];
    }),
  );
  for (const [kind, list] of [
    ['input', inputs],
    ['output', outputs],
  ] as const) {
    for (const ref of list) {
      const problem = refProblem(ref);
      if (problem) problems.push({ where: `${kind}_layers`, message: problem });
    }
  }
  // Depth-first search for a cycle (iterative: a hostile file may be deep).
  const state = new Uint8Array(layers.length); // 0 new, 1 on the stack, 2 done
  for (let s = 0; s < layers.length && problems.length === 0; s++) {
    if (state[s]) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < edges[v].length) {
        top[1]++;
        const w = edges[v][k];
        if (state[w] === 1) {
          problems.push({ where: `layer '${names[w]}'`, message: 'the layer graph has a cycle through it' });
          return problems;
        }
        if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  return problems;
}
