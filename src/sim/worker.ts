import { parentPort, workerData } from 'node:worker_threads';
import { simulate } from './simulate.js';

const { graph, inputs, opts } = workerData;
parentPort!.postMessage(simulate(graph, inputs, opts));
