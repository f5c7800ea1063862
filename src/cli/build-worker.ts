/**
 * A build thread of build-threads.ts: builds one network of a compile (buildPlan) and posts it back, or
 * the error that stopped it. Its progress lines name the network, as another is built beside it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildPlan, networkName } from './build.js';
import type { BuildAnswer, BuildJob } from './build-threads.js';
import { pipelineProgress, sayTo, setQuiet } from './progress.js';

const { setup, plan, quiet, verifyEach } = workerData as BuildJob;
setQuiet(quiet);
sayTo((line) => parentPort!.postMessage({ say: line }));
let answer: BuildAnswer;
try {
  const progress = pipelineProgress(`compile ${networkName(plan)}`);
  // the pass context's observer is a function, which cannot cross threads (and says nothing of the network)
  const built = buildPlan(setup, plan, { progress, verifyEach });
  const { progress: _, ...ctx } = built.ctx;
  answer = { built: { ...built, ctx } };
} catch (e) {
  const err = e as Error;
  answer = { error: { name: err.name, message: err.message, stack: err.stack } };
}
parentPort!.postMessage(answer);
