import { type Graph, IrError } from '../ir/index.js';
import { effectiveWeights, snnChain, weightShape } from './chain.js';
import { int64, int64Array, writeHdf5Atomic } from './hdf5.js';

/**
 * lava-dl netx HDF5 (what `netx.hdf5.Network` reads; shared/reference/formats.md): group `layer` with
 * one subgroup per layer `0`, `1`, ...: `type`, `shape`, integer `weight` [out, in], `bias`, and a
 * `neuron` group (CUBA: vThMant, iDecay = du + 1, vDecay = dv, refDelay, gradedSpike). The readout is a
 * dense layer without neuron (netx makes it a non-leaky integrator). Needs a quantized network.
 * netx's LIF resets to zero and starts at v = 0: a network using reset by subtraction or initial
 * potentials records them as attributes spikec_reset / spikec_initial_v, which netx ignores.
 */
export async function writeNetx(g: Graph, path: string): Promise<void> {
  const chain = snnChain(g, 'lava-netx');
  for (const { synapse, target } of chain.layers) {
    if (synapse.weight.kind !== 'int')
      throw new IrError(
        `lava-netx: %${synapse.id} has float weights; run quantize first (spikec compile --target lava-netx does)`,
      );
    if (synapse.weight.exponent < 0)
      throw new IrError(
        `lava-netx: %${synapse.id} has weight exponent ${synapse.weight.exponent}; netx takes integer weights`,
      );
    if (target.kind === 'snn.neurons' && target.spikeSign === 'signed')
      throw new IrError(
        `lava-netx: %${target.id} emits ternary spikes, which netx has no neuron for; use --strategy pwl or clip`,
      );
  }
  await writeHdf5Atomic(path, (f) => {
    const layer = f.create_group('layer');
    const input = layer.create_group('0');
    input.create_dataset({ name: 'type', data: 'input' });
    int64Array(input, 'shape', [chain.encoder.dims], [1]);
    chain.layers.forEach(({ synapse, target }, k) => {
      const l = layer.create_group(String(k + 1));
      const [out, inW] = weightShape(synapse);
      l.create_dataset({ name: 'type', data: 'dense' });
      int64Array(l, 'shape', [out], [1]);
      int64Array(l, 'weight', effectiveWeights(synapse), [out, inW]);
      if (target.kind === 'snn.neurons') {
        // netx maps `bias` to bias_mant with bias_exp = 6
        int64Array(
          l,
          'bias',
          target.bias.data.map((m) => m * 2 ** ((target.biasExp ?? 0) - 6)),
          [out],
        );
        const n = l.create_group('neuron');
        n.create_dataset({ name: 'type', data: 'CUBA' });
        int64(n, 'vThMant', target.threshold);
        int64(n, 'iDecay', target.currentDecay + 1);
        int64(n, 'vDecay', target.voltageDecay);
        int64(n, 'refDelay', 1);
        int64(n, 'gradedSpike', 0);
        n.create_attribute('spikec_reset', target.reset);
        n.create_attribute('spikec_initial_v', Float64Array.from(target.initialV.data), [out]);
      } else {
        l.create_attribute('spikec_readout_scale', Float64Array.from(target.scale.data), [out]);
        l.create_attribute('spikec_readout_offset', Float64Array.from(target.offset.data), [out]);
        l.create_attribute('spikec_readout_window', Float64Array.from(target.window), [2]);
      }
    });
    const sim = f.create_group('simulation');
    int64(sim, 'Ts', 1);
    int64(
      sim,
      'tSample',
      chain.layers[chain.layers.length - 1].target.kind === 'snn.readout'
        ? (chain.layers[chain.layers.length - 1].target as { window: readonly number[] }).window[1]
        : 0,
    );
  });
}
