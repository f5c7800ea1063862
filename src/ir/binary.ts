import { join } from 'node:path';
import protobuf from 'protobufjs';
import { IrError } from './errors.js';
import { type Graph, NODE_KINDS, Node, STRUCTURAL_FIELDS } from './graph.js';
import { packageRoot } from './package-root.js';
import { type Tensor, isTensor, numel } from './tensor.js';

export const FORMAT_VERSION = 1;

let root: protobuf.Root | undefined;
function messageType(name: string): protobuf.Type {
  root ??= protobuf.loadSync(join(packageRoot(), 'proto', 'spikec_ir.proto'));
  return root.lookupType(`spikec.ir.${name}`);
}

type PValue =
  | { number: number }
  | { text: string }
  | { flag: boolean }
  | { tensor: PTensor }
  | { list: { items: PValue[] } }
  | { dict: { entries: PNamed[] } };
interface PNamed {
  name: string;
  value: PValue;
}
interface PTensor {
  dtype: string;
  shape: number[];
  f32?: number[];
  f64?: number[];
  i32?: number[];
}

function encodeTensor(t: Tensor): PTensor {
  return { dtype: t.dtype, shape: [...t.shape], [t.dtype]: [...t.data] };
}

function encodeValue(v: unknown): PValue {
  if (typeof v === 'number') return { number: v };
  if (typeof v === 'string') return { text: v };
  if (typeof v === 'boolean') return { flag: v };
  if (isTensor(v)) return { tensor: encodeTensor(v) };
  if (Array.isArray(v)) return { list: { items: v.map(encodeValue) } };
  if (typeof v === 'object' && v !== null) return { dict: { entries: encodeEntries(v as Record<string, unknown>) } };
  throw new Error(`cannot encode attribute value ${String(v)}`);
}

function encodeEntries(o: Record<string, unknown>, skip: ReadonlySet<string> = new Set()): PNamed[] {
  return Object.keys(o)
    .filter((k) => !skip.has(k) && o[k] !== undefined)
    .sort()
    .map((name) => ({ name, value: encodeValue(o[name]) }));
}

/** The binary form of a graph: the same graph always gives the same bytes. */
export function encodeGraph(g: Graph): Uint8Array {
  const Graph = messageType('Graph');
  const nodes = g.nodes.map((n) => ({
    kind: n.kind,
    id: n.id,
    inputs: [...n.inputs],
    type: { dtype: n.type.dtype, shape: [...n.type.shape] },
    attrs: encodeEntries(n as unknown as Record<string, unknown>, STRUCTURAL_FIELDS),
  }));
  return Graph.encode(Graph.fromObject({ formatVersion: FORMAT_VERSION, name: g.name, nodes })).finish();
}

class Bad extends Error {}

function decodeTensor(t: PTensor): Tensor {
  const data = (t as unknown as Record<string, number[] | undefined>)[t.dtype];
  if (!['f32', 'f64', 'i32'].includes(t.dtype)) throw new Bad(`tensor has unknown dtype '${t.dtype}'`);
  const shape = t.shape ?? [];
  const values = data ?? [];
  if (values.length !== numel(shape))
    throw new Bad(`tensor of shape [${shape.join(',')}] holds ${values.length} values`);
  return { dtype: t.dtype as Tensor['dtype'], shape: [...shape], data: [...values] };
}

function decodeValue(v: PValue | undefined, depth: number): unknown {
  if (depth > 64) throw new Bad('attributes nest too deep');
  if (!v) throw new Bad('attribute without a value');
  if ('number' in v) return v.number;
  if ('text' in v) return v.text;
  if ('flag' in v) return v.flag;
  if ('tensor' in v) return decodeTensor(v.tensor);
  if ('list' in v) return (v.list.items ?? []).map((x) => decodeValue(x, depth + 1));
  if ('dict' in v) return decodeEntries(v.dict.entries ?? [], depth + 1);
  throw new Bad('attribute without a value');
}

function decodeEntries(entries: PNamed[], depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    if (e.name in out) throw new Bad(`attribute '${e.name}' is given twice`);
    out[e.name] = decodeValue(e.value, depth);
  }
  return out;
}

/** Reads the binary form back; a truncated or foreign file gives an IrError, never a crash. Does not verify. */
export function decodeGraph(bytes: Uint8Array, file = '<binary>'): Graph {
  const Graph = messageType('Graph');
  let msg: protobuf.Message;
  try {
    msg = Graph.decode(bytes);
  } catch (e) {
    throw new IrError(`not a spikec binary IR file (protobuf decoding failed: ${(e as Error).message})`, file);
  }
  const obj = Graph.toObject(msg, { oneofs: false, defaults: false, arrays: true }) as {
    formatVersion?: number;
    name?: string;
    nodes: {
      kind?: string;
      id?: string;
      inputs: string[];
      type?: { dtype?: string; shape: number[] };
      attrs: PNamed[];
    }[];
  };
  if (obj.formatVersion !== FORMAT_VERSION) {
    throw new IrError(
      `not a spikec binary IR file of format version ${FORMAT_VERSION} (found ${obj.formatVersion ?? 'none'})`,
      file,
    );
  }
  const nodes = obj.nodes.map((n, i) => {
    const where = `${file}: node ${i}${n.id ? ` %${n.id}` : ''}`;
    if (!n.kind || !(NODE_KINDS as readonly string[]).includes(n.kind))
      throw new IrError(`unknown op '${n.kind ?? ''}'`, where);
    let attrs: Record<string, unknown>;
    try {
      attrs = decodeEntries(n.attrs, 0);
    } catch (e) {
      if (e instanceof Bad) throw new IrError(e.message, where);
      throw e;
    }
    const parsed = Node.safeParse({
      ...attrs,
      kind: n.kind,
      id: n.id ?? '',
      inputs: n.inputs,
      type: { dtype: n.type?.dtype ?? '', shape: n.type?.shape ?? [] },
    });
    if (!parsed.success) {
      throw new IrError(
        `bad node (${parsed.error.issues.map((x) => `${x.path.join('.') || 'node'}: ${x.message}`).join('; ')})`,
        where,
      );
    }
    return parsed.data;
  });
  return { name: obj.name ?? '', nodes };
}
