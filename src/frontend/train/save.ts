import type { Tf } from '../tfjs/runtime.js';
import { fileSaver } from '../tfjs/io.js';
import { problemFileFor, writeProblemFile } from './problem-file.js';
import type { PdeProblem } from './problems/index.js';
import type { TrainResult } from './trainer.js';

/** Writes a trained model as a model directory: model.json + weights.bin (tfjs) and problem.json. */
export async function saveTrained(tf: Tf, dir: string, p: PdeProblem, r: TrainResult): Promise<void> {
  const lm = r.model.toLayersModel(tf);
  try {
    await lm.save(fileSaver(dir));
  } finally {
    lm.dispose();
  }
  const o = r.options;
  writeProblemFile(
    dir,
    problemFileFor(p, {
      architecture: p.architecture,
      act: o.act,
      width: o.width,
      depth: o.depth,
      ...(p.architecture === 'spinn' ? { rank: o.rank } : {}),
      steps: o.steps,
      seed: o.seed,
      lr: o.lr,
      lrEnd: o.lrEnd,
      relL2: Number(r.relL2.toPrecision(4)),
    }),
  );
}
