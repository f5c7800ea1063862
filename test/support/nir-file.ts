import { loadH5wasm } from '../../src/backends/hdf5.js';

/** A NIR node for writeNirFile: its type and its float datasets (values, shape). */
export interface NirNodeSpec {
  readonly type: string;
  readonly data?: Record<string, { readonly values: readonly number[]; readonly shape: readonly number[] }>;
}

/** Writes a NIR HDF5 file laid out as nir.write does, from plain data, for tests of malformed files. */
export async function writeNirFile(
  path: string,
  nodes: Record<string, NirNodeSpec>,
  edges: readonly [string, string][],
): Promise<void> {
  const h5 = await loadH5wasm();
  const f = new h5.File(path, 'w');
  f.create_dataset({ name: 'version', data: '1.0.0' });
  const node = f.create_group('node');
  node.create_dataset({ name: 'type', data: 'NIRGraph' });
  const group = node.create_group('nodes');
  for (const [name, spec] of Object.entries(nodes)) {
    const g = group.create_group(name);
    g.create_dataset({ name: 'type', data: spec.type });
    for (const [k, v] of Object.entries(spec.data ?? {}))
      g.create_dataset({ name: k, data: Float32Array.from(v.values), shape: [...v.shape] });
  }
  node.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  f.close();
}
