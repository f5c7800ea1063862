import { mdRow } from './markdown.js';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeNir } from '../src/backends/nir.js';
import { encodeGraph, exampleMlp, exampleNirSnn, exampleSnn, packageRoot } from '../src/ir/index.js';
import { FILE_NAME, type Outcome, READER_NAMES, type ReaderName } from './fuzz-readers.js';

/**
 * A seeded mutation fuzzer for the model readers (issue 17): byte flips, truncations, insertions,
 * duplicated chunks and splices of valid files, each mutant read by the reader the CLI uses in a worker
 * thread under a time limit. Every rejection must be a named error: a generic error (TypeError, a
 * wasm RuntimeError), a hang past the limit or a dead worker is a finding.
 */
export interface FuzzOptions {
  /** Mutants per reader. */
  readonly n: number;
  readonly seed?: number;
  readonly readers?: readonly ReaderName[];
  /** Time limit per input, ms. */
  readonly limitMs?: number;
  readonly threads?: number;
  readonly log?: (s: string) => void;
}

export interface FuzzRow {
  readonly reader: ReaderName;
  readonly inputs: number;
  readonly ok: number;
  readonly named: number;
  readonly generic: number;
  readonly hangs: number;
  readonly crashes: number;
  /** Named errors that report the HDF5 library's own time limit (a loop stopped, not a hang). */
  readonly stopped: number;
  readonly slowestMs: number;
  /** A few generic errors, hangs and crashes, with the mutation that made them. */
  readonly findings: readonly string[];
}

class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    return this.s / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** One mutant of the seeds and a word on how it was made. */
function mutate(seeds: readonly Buffer[], rng: Rng): { bytes: Buffer; how: string } {
  const a = seeds[rng.int(seeds.length)];
  const op = rng.int(5);
  if (op === 0) {
    const b = Buffer.from(a);
    const k = 1 + rng.int(4);
    for (let i = 0; i < k; i++) b[rng.int(b.length)] = rng.int(256);
    return { bytes: b, how: `${k} byte(s) changed` };
  }
  if (op === 1) {
    const at = rng.int(a.length);
    return { bytes: a.subarray(0, at), how: `truncated at ${at}` };
  }
  if (op === 2) {
    const at = rng.int(a.length + 1);
    const ins = Buffer.from(Array.from({ length: 1 + rng.int(16) }, () => rng.int(256)));
    return {
      bytes: Buffer.concat([a.subarray(0, at), ins, a.subarray(at)]),
      how: `${ins.length} byte(s) inserted at ${at}`,
    };
  }
  if (op === 3) {
    const from = rng.int(a.length);
    const len = 1 + rng.int(Math.min(256, a.length - from));
    const at = rng.int(a.length + 1);
    return {
      bytes: Buffer.concat([a.subarray(0, at), a.subarray(from, from + len), a.subarray(at)]),
      how: `${len} byte(s) from ${from} repeated at ${at}`,
    };
  }
  const b = seeds[rng.int(seeds.length)];
  const [i, j] = [rng.int(a.length), rng.int(b.length)];
  return { bytes: Buffer.concat([a.subarray(0, i), b.subarray(j)]), how: `splice of ${i} + ${b.length - j} bytes` };
}

/** Valid files of each format, the fuzzer's seeds; for tfjs, model.json texts whose shard goes beside every mutant. */
async function seedsOf(reader: ReaderName, work: string): Promise<{ seeds: Buffer[]; beside: string[] }> {
  const root = packageRoot();
  if (reader === 'ir-text')
    return {
      seeds: ['example_mlp.weights.sir', 'example_snn.sir'].map((f) => readFileSync(join(root, 'test', 'golden', f))),
      beside: [],
    };
  if (reader === 'ir-binary')
    return { seeds: [exampleMlp(), exampleSnn()].map((g) => Buffer.from(encodeGraph(g))), beside: [] };
  if (reader === 'onnx')
    return {
      seeds: ['poisson2d_tanh.onnx', 'poisson2d_spinn.onnx'].map((f) =>
        readFileSync(join(root, 'test', 'fixtures', 'onnx', f)),
      ),
      beside: [],
    };
  if (reader === 'tfjs')
    return {
      seeds: [readFileSync(join(root, 'examples', 'poisson1d', 'model.json'))],
      beside: [join(root, 'examples', 'poisson1d', 'weights.bin')],
    };
  const path = join(work, 'seed.nir');
  await writeNir(exampleNirSnn(), path);
  // and one another tool wrote (Norse's NIR export)
  const norse = join(root, 'test', 'fixtures', 'nir', 'norse-mlp', 'norse-mlp.nir');
  return { seeds: [readFileSync(path), readFileSync(norse)], beside: [] };
}

/** Worker script: the build's (npm test builds before it runs). */
const workerFile = (): string => join(packageRoot(), 'dist', 'bench', 'fuzz-worker.js');

export async function fuzz(o: FuzzOptions): Promise<FuzzRow[]> {
  const limit = o.limitMs ?? 30_000;
  const threads = o.threads ?? Math.max(1, availableParallelism());
  const rows: FuzzRow[] = [];
  for (const reader of o.readers ?? READER_NAMES) {
    const work = mkdtempSync(join(tmpdir(), `spikec-fuzz-${reader}-`));
    try {
      const { seeds, beside } = await seedsOf(reader, work);
      const rng = new Rng(((o.seed ?? 1) * 2654435761 + reader.length) >>> 0);
      const jobs = Array.from({ length: o.n }, (_, i) => ({ i, ...mutate(seeds, rng) }));
      const counts = { ok: 0, named: 0, generic: 0, hangs: 0, crashes: 0, stopped: 0, slowestMs: 0 };
      const findings: string[] = [];
      const note = (s: string): void => void (findings.length < 12 && findings.push(s));
      let next = 0;
      const lane = async (lane: number): Promise<void> => {
        const dir = join(work, `lane${lane}`);
        mkdirSync(dir);
        for (const b of beside) copyFileSync(b, join(dir, b.replace(/^.*\//, '')));
        let w: Worker | undefined;
        while (next < jobs.length) {
          const job = jobs[next++];
          const path = join(dir, FILE_NAME[reader]);
          writeFileSync(path, job.bytes);
          w ??= new Worker(workerFile(), { resourceLimits: { maxOldGenerationSizeMb: 4096 } });
          const worker = w;
          const start = Date.now();
          const r = await new Promise<Outcome | 'hang' | Error>((resolve) => {
            const onMessage = (v: Outcome): void => done(v);
            const onError = (e: Error): void => done(e);
            const onExit = (c: number): void => done(new Error(`worker exited with code ${c}`));
            const timer = setTimeout(() => done('hang'), limit);
            // only this job's listeners go: the worker's own (terminate() waits on 'exit') stay
            function done(v: Outcome | 'hang' | Error): void {
              clearTimeout(timer);
              worker.off('message', onMessage).off('error', onError).off('exit', onExit);
              resolve(v);
            }
            worker.on('message', onMessage).on('error', onError).on('exit', onExit);
            worker.postMessage({ reader, path });
          });
          counts.slowestMs = Math.max(counts.slowestMs, Date.now() - start);
          if (r === 'hang' || r instanceof Error) {
            await worker.terminate();
            w = undefined;
            if (r === 'hang') counts.hangs++;
            else counts.crashes++;
            note(`${r === 'hang' ? `hang (> ${limit} ms)` : `crash: ${r.message}`}: input ${job.i}, ${job.how}`);
          } else if (r.kind === 'ok') counts.ok++;
          else if (r.kind === 'named') {
            counts.named++;
            if (/did not finish reading it within/.test(r.message)) counts.stopped++;
          } else {
            counts.generic++;
            note(`${r.name}: ${r.message}: input ${job.i}, ${job.how}`);
          }
        }
        await w?.terminate();
      };
      await Promise.all(Array.from({ length: threads }, (_, k) => lane(k)));
      rows.push({ reader, inputs: o.n, ...counts, findings });
      o.log?.(
        `fuzz ${reader}: ${o.n} inputs, ${counts.ok} ok, ${counts.named} named errors, ${counts.generic} generic, ` +
          `${counts.hangs} hangs, ${counts.crashes} crashes`,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return rows;
}

export function fuzzMarkdown(rows: readonly FuzzRow[], command: string, seconds: number, limitMs = 30_000): string {
  const head =
    mdRow([
      'reader',
      'inputs',
      'read',
      'named errors',
      'of them HDF5 time limit',
      'generic errors',
      'hangs',
      'crashes',
      'slowest (ms)',
    ]) +
    '\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const body = rows.map(
    (r) =>
      `| ${[r.reader, r.inputs, r.ok, r.named, r.stopped, r.generic, r.hangs, r.crashes, r.slowestMs].join(' | ')} |`,
  );
  const findings = rows.flatMap((r) => r.findings.map((f) => `- ${r.reader}: ${f}`));
  return [
    `<!-- made by: ${command} -->`,
    '# Reader fuzzing',
    '',
    `Seeded mutants (byte changes, truncations, insertions, repeated chunks, splices) of valid files, each read`,
    `by the reader the CLI uses, in a worker thread with a per-input time limit (${limitMs / 1000} s), ` +
      `${Math.round(seconds)} s in all.`,
    `"read" means the mutant was still a valid model. A generic error, a hang or a crash is a defect. "HDF5 time`,
    `limit" counts NIR files on which the HDF5 library had not finished after 15 s: spikec stops its worker`,
    `and names the file as corrupt (a named error, no hang).`,
    '',
    head,
    ...body,
    '',
    findings.length ? `Findings:\n${findings.join('\n')}` : 'No findings.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const n = Number(value('--n') ?? 1000);
  const readers = value('--readers')?.split(',') as ReaderName[] | undefined;
  const bad = readers?.filter((r) => !READER_NAMES.includes(r));
  if (!Number.isInteger(n) || n < 1 || bad?.length)
    throw new Error(`usage: npm run fuzz -- --n N [--readers ${READER_NAMES.join(',')}] [--seed S]`);
  const seed = Number(value('--seed') ?? 1);
  const start = Date.now();
  const rows = await fuzz({ n, seed, readers, log: (s) => void process.stderr.write(`${s}\n`) });
  const flags = [...(readers ? [`--readers ${readers.join(',')}`] : []), ...(seed !== 1 ? [`--seed ${seed}`] : [])];
  const command = ['npm run fuzz -- --n', n, ...flags].join(' ');
  const { writeResult } = await import('./common.js');
  writeResult('fuzz.json', { command, seed, rows });
  process.stderr.write(`wrote ${writeResult('fuzz.md', fuzzMarkdown(rows, command, (Date.now() - start) / 1000))}\n`);
}

if (process.argv[1]?.endsWith('fuzz.js')) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
