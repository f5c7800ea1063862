import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readProblemFile } from '../src/frontend/train/index.js';
import { type NodeOf, packageRoot, windowLength, writeFileAtomic } from '../src/ir/index.js';
import { Rng } from '../src/sim/rng.js';
import { nirReadWrite, norseEvents, oracleVersions, oraclesMissing, runNorseOn, runScript } from './oracles.js';
import {
  INPUTS_FILE,
  RECORDED_NETWORKS,
  RECORDED_ROWS,
  RECORDING_FILE,
  RECORDINGS_DIR,
  RECORD_COMMAND,
  REWRITTEN_NIR,
  type RecordedLavaRun,
  type RecordedNetwork,
  type RecordedNirRun,
  type Recording,
  readRecordedFolder,
  sha256,
  rasterEvents,
  writeRecordedFolder,
} from './recordings.js';

/**
 * `npm run record-oracles [-- --recompile]`: runs the real tools on the fixed set of files spikec
 * writes (bench/recordings.ts) and records what they computed under test/fixtures/real-tools/.
 * Without --recompile each network's committed .sir is kept and today's writers write its files
 * again; --recompile compiles the models anew first (new weights, new spikes).
 */
const log = (s: string): void => void process.stderr.write(`record-oracles: ${s}\n`);

/** `spikec compile examples/MODEL FLAGS -o DIR`, as a user runs it; what it wrote replaces the folder's files. */
function compileInto(n: RecordedNetwork, dir: string): void {
  const out = mkdtempSync(join(tmpdir(), 'spikec-record-'));
  const cli = join(packageRoot(), 'bin', 'spikec.js');
  const model = join(packageRoot(), 'examples', n.model);
  execFileSync(process.execPath, [cli, 'compile', model, ...n.flags, '-o', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  chmodSync(out, 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(out, dir);
}

async function record(n: RecordedNetwork, recompile: boolean, tools: Record<string, string>): Promise<void> {
  const dir = join(RECORDINGS_DIR, n.folder);
  const fresh = recompile || !existsSync(dir);
  if (fresh) {
    log(`${n.folder}: spikec compile examples/${n.model} ${n.flags.join(' ')}`);
    compileInto(n, dir);
    const domain = readProblemFile(join(packageRoot(), 'examples', n.model))!.domain;
    writeFileAtomic(join(dir, INPUTS_FILE), `${JSON.stringify(new Rng(5).box(domain, RECORDED_ROWS))}\n`);
  } else {
    // the committed network, its files written by today's writers
    const f = readRecordedFolder(n);
    log(`${n.folder}: today's writers on ${basename(f.sir)}`);
    await writeRecordedFolder(f, dir);
  }
  const f = readRecordedFolder(n);
  const inputs = join(dir, INPUTS_FILE);
  const script = f.file('lava-py');
  const ran: string[] = [];
  const runs = n.runs.map((tool): RecordedLavaRun | RecordedNirRun => {
    log(`${n.folder}: ${tool}`);
    if (tool === 'nir') {
      const nir = f.file('nir');
      ran.push(nir);
      const view = nirReadWrite(nir, join(dir, REWRITTEN_NIR));
      return { tool, command: `nir.write('${REWRITTEN_NIR}', nir.read('${basename(nir)}'))`, ...view };
    }
    if (tool === 'norse') {
      const nir = f.file('nir');
      ran.push(nir);
      const run = runNorseOn(f.graph, nir, inputs);
      const T = windowLength(f.graph.nodes.find((n) => n.kind === 'snn.readout') as NodeOf<'snn.readout'>);
      const command = `norse.torch.from_nir(nir.read('${basename(nir)}')).double(), ${T} steps per row`;
      return { tool, command, outputs: run.outputs, events: norseEvents(run, f.graph) };
    }
    const netx = tool === 'netx' ? ['--netx', f.file('lava-netx')] : [];
    ran.push(script, ...netx.slice(1));
    const run = runScript(script, inputs, netx);
    const command = ['python3', basename(script), INPUTS_FILE, '--rasters', ...netx.map((a) => basename(a))].join(' ');
    return { tool, command, outputs: run.outputs, events: run.rasters.map((r) => rasterEvents(r)) };
  });
  const files = Object.fromEntries([...new Set(ran)].sort().map((p) => [basename(p), sha256(p)]));
  const recording: Recording = {
    made_by: RECORD_COMMAND,
    recorded: new Date().toISOString().slice(0, 10),
    tools,
    files,
    inputs: INPUTS_FILE,
    runs,
  };
  writeFileAtomic(join(dir, RECORDING_FILE), `${JSON.stringify(recording)}\n`);
}

async function main(): Promise<void> {
  const missing = oraclesMissing();
  if (missing) throw new Error(`the real tools cannot run: ${missing}`);
  const recompile = process.argv.includes('--recompile');
  const tools = oracleVersions();
  log(
    `tools: ${Object.entries(tools)
      .map(([p, v]) => `${p} ${v}`)
      .join(', ')}`,
  );
  for (const n of RECORDED_NETWORKS) await record(n, recompile, tools);
  const stale = readdirSync(RECORDINGS_DIR).filter(
    (d) => d !== 'README.md' && !RECORDED_NETWORKS.some((n) => n.folder === d),
  );
  for (const d of stale) rmSync(join(RECORDINGS_DIR, d), { recursive: true, force: true });
  log(`recorded ${RECORDED_NETWORKS.length} networks under ${RECORDINGS_DIR}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`record-oracles: ${(e as Error).message}\n`);
  process.exit(1);
});
