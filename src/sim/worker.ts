import type { Graph } from '../ir/index.js';
import { serveBlocking } from './blocking-pool.js';
import { type SimOptions, simulate } from './simulate.js';

/** A simulator thread of parallel.ts: simulates each chunk of rows it is sent. */
serveBlocking((job: { graph: Graph; inputs: number[][]; opts: SimOptions }) =>
  simulate(job.graph, job.inputs, job.opts),
);
