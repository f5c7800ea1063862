import { join } from 'node:path';
import protobuf from 'protobufjs';
import { ROOT } from './cli.js';

const root = protobuf.loadSync(join(ROOT, 'proto', 'onnx.proto'));
const Model = root.lookupType('onnx.ModelProto');

export interface TestNode {
  op: string;
  inputs: string[];
  output: string;
  name?: string;
  attrs?: Record<string, number | number[] | string>;
  domain?: string;
}

export interface TestModel {
  nodes: TestNode[];
  initializers?: Record<string, { dims: number[]; data: number[]; int64?: boolean }>;
  inputs: { name: string; width: number }[];
  outputs: { name: string; width: number }[];
  opset?: number;
}

const valueInfo = (v: { name: string; width: number }) => ({
  name: v.name,
  type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: v.width }] } } },
});

/** Encodes a small ONNX model the way torch.onnx.export lays one out (float initializers as raw_data). */
export function onnxBytes(m: TestModel): Uint8Array {
  const initializer = Object.entries(m.initializers ?? {}).map(([name, t]) => {
    if (t.int64) return { name, dims: t.dims, dataType: 7, int64Data: t.data };
    const raw = Buffer.alloc(t.data.length * 4);
    t.data.forEach((v, i) => raw.writeFloatLE(v, i * 4));
    return { name, dims: t.dims, dataType: 1, rawData: raw };
  });
  const node = m.nodes.map((n, i) => ({
    name: n.name ?? `/${n.op}_${i}`,
    opType: n.op,
    domain: n.domain,
    input: n.inputs,
    output: [n.output],
    attribute: Object.entries(n.attrs ?? {}).map(([name, v]) =>
      typeof v === 'string'
        ? { name, s: Buffer.from(v), type: 3 }
        : Array.isArray(v)
          ? { name, ints: v, type: 7 }
          : Number.isInteger(v)
            ? { name, i: v, type: 2 }
            : { name, f: v, type: 1 },
    ),
  }));
  const msg = Model.fromObject({
    irVersion: 7,
    producerName: 'spikec-test',
    opsetImport: [{ version: m.opset ?? 13 }],
    graph: { name: 'g', node, initializer, input: m.inputs.map(valueInfo), output: m.outputs.map(valueInfo) },
  });
  return Model.encode(msg).finish();
}
