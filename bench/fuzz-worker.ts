/** Worker thread of the fuzzer: runs one reader on one file per message and says how it ended. */
import { parentPort } from 'node:worker_threads';
import { NAMED_ERRORS, type Outcome, READERS, type ReaderName } from './fuzz-readers.js';

parentPort!.on('message', async ({ reader, path }: { reader: ReaderName; path: string }) => {
  let outcome: Outcome;
  try {
    await READERS[reader](path);
    outcome = { kind: 'ok' };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    outcome = {
      kind: NAMED_ERRORS.has(err.name) || NAMED_ERRORS.has(err.constructor?.name) ? 'named' : 'generic',
      name: err.name,
      message: err.message.split('\n').slice(0, 2).join(' / ').slice(0, 160),
    };
  }
  parentPort!.postMessage(outcome);
});
