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
  // plain data: the pass manager gives passes its progress observer on a copy of the context, never this one
  answer = { built: buildPlan(setup, plan, { progress, verifyEach }) };
} catch (e) {
  const err = e as Error;
  answer = { error: { name: err.name, message: err.message, stack: err.stack } };
}
parentPort!.postMessage(answer);
