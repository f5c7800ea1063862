import { availableParallelism } from 'node:os';

/**
 * Threads spikec may run besides the main one: one per core, or SPIKEC_THREADS in all (1: the main
 * thread alone), for machines shared with other work. Results never depend on it.
 */
export function extraThreads(): number {
  const asked = Number.parseInt(process.env.SPIKEC_THREADS ?? '', 10);
  const total = Number.isInteger(asked) && asked >= 1 ? asked : availableParallelism();
  return Math.max(0, total - 1);
}
