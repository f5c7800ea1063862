import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { BACKEND_SUFFIX, emitNetworks } from '../../backends/index.js';
import { SD_SPIKE_EXP, packageRoot } from '../../ir/index.js';
import { coreUsage, formatPassStats, formatReport } from '../../passes/index.js';
import { type VerifyRow, measure, verifySetup } from '../../verification/measure.js';
import { buildNetworks, networkOutput, reportLines } from '../build.js';
import { DEFAULT_OPTIONS, parseTarget } from '../compile-options.js';
import { planNetworks } from '../networks.js';
import { checkOutputDir } from '../output-paths.js';
import { pipelineProgress, say as progressLine } from '../progress.js';

/** What the demo compiles: Loihi 2 with the netx file and its Lava script, and the rate network for NIR. */
const DEMO_TARGET = 'loihi2,lava-netx,lava-py,nir,json';

const exp = (x: number | null): string => (x === null ? 'n/a' : x.toExponential(2));

/** Both networks side by side on the test grid: accuracy, operations, energy under both models. */
function comparison(rows: readonly [string, VerifyRow][]): string {
  const head = [
    'network',
    'SNN vs exact',
    'SNN vs ANN',
    'ANN vs exact',
    'ops/query',
    'per ANN MAC',
    'steps',
    'energy 45nm',
    'energy Loihi',
  ];
  const body = rows.map(([name, r]) => [
    name,
    exp(r.snn_vs_exact),
    exp(r.snn_vs_ann),
    exp(r.ann_vs_exact),
    r.synops_per_inference.toFixed(0),
    (r.synops_per_inference / r.ann_macs_per_inference).toFixed(2),
    String(r.settle_steps?.max ?? r.T),
    `${r.energy.arithmetic_45nm.ratio.toFixed(2)}x`,
    `${r.energy.loihi.ratio.toFixed(2)}x`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `${[line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

/**
 * The main job on the bundled default (`npm start`): the poisson2d PINN that spikec trained itself,
 * compiled as a plain compile for Loihi 2 and NIR compiles it (a sigma-delta network for Loihi 2, written
 * as the netx file and a Lava script; a rate network for NIR), both verified on the simulator in their
 * integer arithmetic against the exact solution, side by side; then how to run the netx file in Lava.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the bundled default (what `npm start` runs): compile examples/poisson2d for ' +
        'Loihi 2 (and NIR) and verify both networks',
    )
    .option('-o, --output <dir>', 'where to write the hardware descriptions', 'out')
    .action(async (o: { output: string }) => {
      checkOutputDir(o.output);
      const modelDir = join(packageRoot(), 'examples', 'poisson2d');
      const say = (s: string): void => void process.stdout.write(s);
      say(`spikec demo: ${relative(process.cwd(), modelDir) || '.'} --target ${DEMO_TARGET}\n`);
      const setup = await verifySetup(modelDir);
      say(`  ${setup.problem.problem}: ${setup.problem.equation}\n  imported: ${setup.ann.nodes.length} ann ops\n`);
      const target = parseTarget(DEMO_TARGET);
      const built = await buildNetworks(
        {
          model: setup.model,
          options: DEFAULT_OPTIONS,
          target,
          forHardware: true,
          hooks: { progress: pipelineProgress('compile') },
        },
        planNetworks(target, undefined),
      );
      for (const b of built) {
        say(`\n${b.plan.coding} network, for ${b.plan.backends.join(', ')}:\n${formatPassStats(b.records)}`);
        say(`${formatReport(coreUsage(b.graph, b.ctx), b.ctx.profile)}`);
      }
      for (const line of reportLines(built, (b) => `${b.plan.coding} network`)) say(`  ${line}\n`);
      say('\n');
      for (const [what, path] of await emitNetworks(built.map(networkOutput), o.output))
        say(`  wrote ${path} (${what})\n`);

      say(`\nboth networks on the ${setup.points.length}-point test grid, in Loihi's integer arithmetic:\n`);
      const rows: [string, VerifyRow][] = [];
      for (const b of built)
        rows.push([
          `${b.plan.coding} (${b.plan.backends.join(', ')})`,
          await measure(setup, b.graph, undefined, progressLine),
        ]);
      say(comparison(rows));
      say(
        '  energy: SNN / ANN per query; 45nm: a binary synaptic operation 0.9 pJ, a graded one and a MAC ' +
          '4.6 pJ; Loihi: 23.6 pJ per synaptic operation, 52 pJ per neuron update (Loihi 1)\n',
      );

      const sd = built.find((b) => b.plan.coding === 'sigma-delta')!;
      const name = `${sd.graph.name}${sd.plan.stem ? `.${sd.plan.stem}` : ''}`;
      const netx = join(o.output, `${name}${BACKEND_SUFFIX['lava-netx']}`);
      const script = join(o.output, `${name}${BACKEND_SUFFIX['lava-py']}`);
      const payload = sd.graph.nodes.find((n) => n.kind === 'snn.encoder')?.payloadBits;
      say(
        `\nrun the netx file in Lava (pip install lava-nc lava-dl; docs/formats.md, "The real tools"):\n` +
          `  from lava.lib.dl import netx\n` +
          `  net = netx.hdf5.Network(net_config='${netx}', input_message_bits=${payload}, ` +
          `spike_exp=${SD_SPIKE_EXP}, sparse_fc_layer=True)\n` +
          `  echo '[[0.25, 0.5], [0.5, 0.5]]' > rows.json\n` +
          `  python3 ${script} rows.json --netx ${netx}   # the same outputs as:\n` +
          `  npx spikec eval ${join(o.output, `${name}.sir`)} --inputs rows.json\n`,
      );
    });
}
