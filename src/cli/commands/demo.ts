import type { Command } from 'commander';
import { exampleMlp, printGraph, verify } from '../../ir/index.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the bundled default (what `npm start` runs)')
    .action(() => {
      const g = verify(exampleMlp());
      process.stdout.write(`spikec demo: the example graph %${g.name} verified (${g.nodes.length} ops)\n\n`);
      process.stdout.write(printGraph(g));
    });
}
