import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { describeFsError, writeFileAtomic } from '../../ir/index.js';
import { ImportError, WHOLE_FILE } from '../errors.js';
import { modelJsonProblems } from './schema.js';

type Artifacts = TF.io.ModelArtifacts;
type WeightsManifest = TF.io.WeightsManifestConfig;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function specBytes(spec: TF.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const per = spec.quantization ? QUANT_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
  return n * (per ?? 4);
}

const fail = (file: string, where: string, message: string): never => {
  throw new ImportError(file, [{ where, message }]);
};

/** A tfjs IOHandler that reads `model.json` and its weight shards from the file system. */
export function fileLoader(modelJson: string): TF.io.IOHandler {
  return {
    load: async (): Promise<Artifacts> => {
      let text: string;
      try {
        text = readFileSync(modelJson, 'utf8');
      } catch (e) {
        return fail(modelJson, WHOLE_FILE, `cannot read: ${describeFsError(e)}`);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        return fail(modelJson, WHOLE_FILE, `not JSON (${(e as Error).message})`);
      }
      if (!raw || typeof raw !== 'object' || !('modelTopology' in raw))
        fail(modelJson, WHOLE_FILE, 'not a TensorFlow.js LayersModel (no modelTopology)');
      const { problems, model: json } = modelJsonProblems(raw);
      if (!json || problems.length) throw new ImportError(modelJson, problems);
      const manifest = (json.weightsManifest ?? []) as WeightsManifest;
      const specs: TF.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of manifest) {
        const want = group.weights.reduce((s, w) => s + specBytes(w), 0);
        let have = 0;
        for (const p of group.paths) {
          const shard = join(dirname(modelJson), p);
          let bytes: Buffer;
          try {
            bytes = readFileSync(shard);
          } catch (e) {
            return fail(
              modelJson,
              `weight shard '${p}'`,
              `listed in the weights manifest but cannot be read: ${describeFsError(e)}`,
            );
          }
          have += bytes.length;
          buffers.push(bytes);
        }
        if (have !== want) {
          const names = group.weights.map((w) => w.name).join(', ');
          fail(
            modelJson,
            `weight shards ${group.paths.map((p) => `'${p}'`).join(', ')}`,
            `hold ${have} bytes, but the weights they carry (${names}) need ${want}`,
          );
        }
        specs.push(...group.weights);
      }
      const all = new Uint8Array(buffers.reduce((s, b) => s + b.length, 0));
      let off = 0;
      for (const b of buffers) {
        all.set(b, off);
        off += b.length;
      }
      return {
        modelTopology: json.modelTopology as Artifacts['modelTopology'],
        weightSpecs: specs,
        weightData: all.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
      };
    },
  };
}

/**
 * A tfjs IOHandler that writes `model.json` and one weight shard into a directory, atomically and
 * deterministically.
 */
export function fileSaver(dir: string): TF.io.IOHandler {
  return {
    save: async (a: Artifacts): Promise<TF.io.SaveResult> => {
      const shard = 'weights.bin';
      const data = a.weightData
        ? new Uint8Array(Array.isArray(a.weightData) ? concat(a.weightData) : a.weightData)
        : new Uint8Array();
      const modelJson = {
        format: a.format ?? 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: [shard], weights: a.weightSpecs ?? [] }],
      };
      writeFileAtomic(join(dir, shard), data);
      writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 1)}\n`);
      return {
        modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: data.length },
      };
    },
  };
}

function concat(parts: ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), off);
    off += p.byteLength;
  }
  return out.buffer;
}
