import { join } from 'node:path';
import protobuf from 'protobufjs';
import { numel, packageRoot } from '../../ir/index.js';
import { ImportError, WHOLE_FILE } from '../errors.js';

/** A constant tensor of an ONNX model, decoded to plain numbers. */
export interface OnnxConst {
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly data: readonly number[];
}

export interface OnnxAttr {
  readonly name: string;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: OnnxConst;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, OnnxAttr>;
}

export interface OnnxValueInfo {
  readonly name: string;
  /** Dimensions; a symbolic (batch) dimension is -1. */
  readonly dims: readonly number[];
}

export interface OnnxModel {
  readonly opset: number;
  readonly producer: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxConst>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export const ONNX_FLOAT = 1;
/** The value a Constant node holds (its `value` tensor, or `value_float(s)` / `value_int(s)`); undefined if none. */
export function constantOf(n: OnnxNode): OnnxConst | undefined {
  const a = n.attrs;
  const t = a.get('value')?.t;
  if (t) return t;
  const f = a.get('value_float')?.f ?? a.get('value_floats')?.floats;
  if (f !== undefined)
    return {
      dims: Array.isArray(f) ? [f.length] : [],
      dataType: ONNX_FLOAT,
      data: Array.isArray(f) ? f : [f as number],
    };
  const i = a.get('value_int')?.i ?? a.get('value_ints')?.ints;
  if (i !== undefined)
    return {
      dims: Array.isArray(i) ? [i.length] : [],
      dataType: ONNX_INT64,
      data: Array.isArray(i) ? i : [i as number],
    };
  return undefined;
}
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;
const ELEMENT_BYTES: Record<number, number> = { [ONNX_FLOAT]: 4, [ONNX_INT32]: 4, [ONNX_INT64]: 8, [ONNX_DOUBLE]: 8 };
const TYPE_NAMES: Record<number, string> = {
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  8: 'string',
  9: 'bool',
  10: 'float16',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

let modelType: protobuf.Type | undefined;
function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.loadSync(join(packageRoot(), 'proto', 'onnx.proto')).lookupType('onnx.ModelProto');
  return modelType;
}

interface RawTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: unknown[];
}

class Bad extends Error {}

function decodeTensor(t: RawTensor): OnnxConst {
  const dims = t.dims ?? [];
  const dataType = t.dataType ?? 0;
  const n = numel(dims);
  const bytes = ELEMENT_BYTES[dataType];
  if (!bytes)
    throw new Bad(
      `has element type ${TYPE_NAMES[dataType] ?? dataType}; spikec reads float32, float64, int32 and int64`,
    );
  if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0)
    throw new Bad('keeps its data in an external file, which spikec does not read');
  let data: number[];
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * bytes)
      throw new Bad(`holds ${t.rawData.length} bytes but shape [${dims.join(',')}] needs ${n * bytes}`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    data = Array.from({ length: n }, (_, i) =>
      dataType === ONNX_FLOAT
        ? view.getFloat32(i * 4, true)
        : dataType === ONNX_DOUBLE
          ? view.getFloat64(i * 8, true)
          : dataType === ONNX_INT32
            ? view.getInt32(i * 4, true)
            : Number(view.getBigInt64(i * 8, true)),
    );
  } else {
    const field =
      { [ONNX_FLOAT]: t.floatData, [ONNX_INT32]: t.int32Data, [ONNX_INT64]: t.int64Data, [ONNX_DOUBLE]: t.doubleData }[
        dataType
      ] ?? [];
    if (field.length !== n) throw new Bad(`holds ${field.length} values but shape [${dims.join(',')}] needs ${n}`);
    data = [...field];
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0 && (dataType === ONNX_FLOAT || dataType === ONNX_DOUBLE)) throw new Bad(`value ${bad} is ${data[bad]}`);
  return { dims, dataType, data };
}

interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}

const valueInfo = (v: RawValueInfo): OnnxValueInfo => ({
  name: v.name ?? '',
  dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue !== undefined && d.dimValue > 0 ? d.dimValue : -1,
  ),
});

/** Decodes an .onnx file; anything that is not a readable ONNX model is an ImportError naming the file. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxModel {
  const M = onnxModelType();
  let raw: Record<string, any>;
  try {
    raw = M.toObject(M.decode(bytes), { longs: Number, arrays: true, defaults: false }) as Record<string, any>;
  } catch (e) {
    throw new ImportError(file, [
      { where: WHOLE_FILE, message: `not an ONNX model (protobuf decoding failed: ${(e as Error).message})` },
    ]);
  }
  const g = raw.graph;
  if (!g || !raw.irVersion || !Array.isArray(g.node) || g.node.length === 0) {
    throw new ImportError(file, [
      { where: WHOLE_FILE, message: 'not an ONNX model (no ir_version or no graph with nodes)' },
    ]);
  }
  const problems: { where: string; message: string }[] = [];
  const initializers = new Map<string, OnnxConst>();
  for (const t of g.initializer as RawTensor[]) {
    try {
      initializers.set(t.name ?? '', decodeTensor(t));
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      problems.push({ where: `initializer '${t.name}'`, message: e.message });
    }
  }
  const nodes: OnnxNode[] = (g.node as Record<string, any>[]).map((n, i) => {
    const attrs = new Map<string, OnnxAttr>();
    for (const a of (n.attribute ?? []) as Record<string, any>[]) {
      let t: OnnxConst | undefined;
      if (a.t) {
        try {
          t = decodeTensor(a.t);
        } catch (e) {
          if (!(e instanceof Bad)) throw e;
          problems.push({ where: `node '${n.name ?? i}' (${n.opType}) attribute '${a.name}'`, message: e.message });
        }
      }
      attrs.set(a.name, {
        name: a.name,
        f: a.f,
        i: a.i,
        s: a.s ? new TextDecoder().decode(a.s) : undefined,
        t,
        floats: a.floats,
        ints: a.ints,
      });
    }
    return {
      name: n.name || `${n.opType}_${i}`,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attrs,
    };
  });
  if (problems.length) throw new ImportError(file, problems);
  const opset =
    ((raw.opsetImport ?? []) as { domain?: string; version?: number }[]).find(
      (o) => !o.domain || o.domain === 'ai.onnx',
    )?.version ?? 0;
  return {
    opset,
    producer: `${raw.producerName ?? ''} ${raw.producerVersion ?? ''}`.trim(),
    graphName: g.name ?? '',
    nodes,
    initializers,
    inputs: (g.input as RawValueInfo[]).map(valueInfo).filter((v) => !initializers.has(v.name)),
    outputs: (g.output as RawValueInfo[]).map(valueInfo),
  };
}
