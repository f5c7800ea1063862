import type { Command } from 'commander';
import { loadModel } from '../../frontend/index.js';
import { type Trace, simulate } from '../../sim/simulate.js';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { MAX_T } from '../../passes/index.js';

/** A spike as the raster shows it: | fired (or a positive graded message), - a negative one, . nothing. */
const mark = (s: number): string => (s > 0 ? '|' : s < 0 ? '-' : '.');

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description("simulate a compiled network on one input; --trace prints each layer's spike raster")
    .argument('<sir>', 'compiled spiking network (.sir or .sirpb)')
    .requiredOption('--input <values>', 'one input row, comma-separated (e.g. 0.3,0.7)')
    .option('--T <steps>', 'time steps per layer (default: the compiled window)', intOption('--T', 1, MAX_T))
    .option('--trace', 'print the spike raster of every layer (| spike, - negative spike, . none)')
    .option('--json', 'print outputs, counters and the trace as JSON')
    .action(async (file: string, o: { input: string; T?: number; trace?: boolean; json?: boolean }) => {
      const row = o.input.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
      if (!row.every(Number.isFinite))
        throw new UsageError(`--input must be comma-separated numbers, not '${o.input}'`);
      const { graph } = await loadModel(file);
      if (!graph.nodes.some((n) => n.kind === 'snn.encoder'))
        throw new UsageError(`${file} is not a spiking network; compile it first`);
      const r = simulate(graph, [row], { T: o.T, trace: o.trace || o.json });
      if (o.json) {
        const trace = Object.fromEntries(
          [...(r.trace ?? new Map<string, Trace>()).entries()].map(([id, steps]) => [
            id,
            steps.map((s) => Array.from(s)),
          ]),
        );
        const result = { outputs: r.outputs[0], T: r.T, steps: r.steps, synops: r.synops, layers: r.layers, trace };
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(
        `outputs: ${r.outputs[0].map((v) => v.toPrecision(6)).join(', ')}  ` +
          `(T = ${r.T}, ${r.steps} steps, ${r.synops} synaptic ops)\n`,
      );
      for (const l of r.layers) {
        process.stdout.write(
          `%${l.id}: ${l.neurons} neurons, ${(l.spikes / (l.neurons * r.T)).toFixed(3)} spikes/neuron/step\n`,
        );
        if (!o.trace) continue;
        const steps = r.trace!.get(l.id)!;
        for (let i = 0; i < l.neurons; i++)
          process.stdout.write(`  ${String(i).padStart(4)} ${steps.map((s) => mark(s[i])).join('')}\n`);
      }
    });
}
