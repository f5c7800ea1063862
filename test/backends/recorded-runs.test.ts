import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadModel } from '../../src/frontend/index.js';
import type { Graph } from '../../src/ir/index.js';
import { simulate } from '../../src/sim/simulate.js';
import { nirReadWrite, norseEvents, runNorseOn, runScript } from '../../bench/oracles.js';
import {
  INPUTS_FILE,
  RECORDED_NETWORKS,
  RECORD_COMMAND,
  REWRITTEN_NIR,
  type RecordedLavaRun,
  type RecordedNirRun,
  readRecordedFolder,
  readRecording,
  sha256,
  rasterEvents,
  writeRecordedFolder,
} from '../../bench/recordings.js';
import { spikec } from '../support/cli.js';
import { describeRealTools } from '../support/real-tools.js';

/**
 * Lava's and NIR's own recordings (test/fixtures/real-tools, `npm run record-oracles`) replayed on
 * every machine, with or without the real tools: today's writers write exactly the files the tools
 * ran on, and `spikec sim` of those networks computes exactly what Lava computed, output for output
 * and spike (or message) for spike per population per step.
 */
const RENEW = `today's writers write it differently: renew the recordings with ${RECORD_COMMAND}`;

const lavaRuns = (runs: readonly (RecordedLavaRun | RecordedNirRun)[]): RecordedLavaRun[] =>
  runs.filter((r): r is RecordedLavaRun => r.tool !== 'nir');

/** The simulator on `rows`: the recorded outputs, and per row the recorded events per population per step. */
function expectToRunAsRecorded(g: Graph, rows: readonly number[][], run: RecordedLavaRun, what = ''): void {
  expect(simulate(g, rows).outputs, what).toEqual(run.outputs);
  rows.forEach((row, r) => {
    const trace = simulate(g, [row], { trace: true }).trace!;
    expect(rasterEvents(trace), `${what} input ${r}`).toEqual(run.events[r]);
  });
}

for (const n of RECORDED_NETWORKS) {
  describe(`recorded: ${n.folder}`, () => {
    const f = readRecordedFolder(n);
    const recording = readRecording(n);

    test('the files are those the tools ran on, and today’s writers write them byte for byte', async () => {
      for (const [name, hash] of Object.entries(recording.files))
        expect(sha256(join(f.dir, name)), `${name}: not the file the recording was made on`).toBe(hash);
      const out = mkdtempSync(join(tmpdir(), 'spikec-recorded-'));
      const written = await writeRecordedFolder(f, out);
      for (const [, path] of written)
        expect(sha256(path), `${basename(path)}: ${RENEW}`).toBe(sha256(join(f.dir, basename(path))));
    });

    for (const run of lavaRuns(recording.runs)) {
      test(`spikec sim matches Lava's run (${run.command}): outputs and events per population per step`, () => {
        expectToRunAsRecorded(f.graph, f.rows, run);
      });
    }

    if (n.runs.includes('nir')) {
      test('the NIR file and the NIR package’s rewrite of it import and simulate as the tools ran it', async () => {
        const [lava] = lavaRuns(recording.runs);
        for (const file of [f.file('nir'), join(f.dir, REWRITTEN_NIR)]) {
          expectToRunAsRecorded((await loadModel(file)).graph, f.rows, lava, basename(file));
        }
      });
    }

    test('the CLI: spikec sim --json on the first input gives the recorded outputs and events', () => {
      const [lava] = lavaRuns(recording.runs);
      const r = spikec(['sim', f.sir, '--input', f.rows[0].join(','), '--json']);
      expect(r.stderr).toBe('');
      const sim = JSON.parse(r.stdout) as { outputs: number[]; trace: Record<string, number[][]> };
      expect(sim.outputs).toEqual(lava.outputs[0]);
      expect(rasterEvents(sim.trace)).toEqual(lava.events[0]);
    });
  });
}

describeRealTools('the recordings, re-run', () => {
  // the committed recordings are what today's tools compute on the committed files
  for (const n of RECORDED_NETWORKS) {
    test(`${n.folder}: ${n.runs.join(', ')} compute what was recorded`, () => {
      const f = readRecordedFolder(n);
      const recording = readRecording(n);
      for (const run of recording.runs) {
        if (run.tool === 'nir') {
          const view = nirReadWrite(f.file('nir'), join(mkdtempSync(join(tmpdir(), 'spikec-nir-')), 'x.nir'));
          expect(view).toEqual({ nodes: run.nodes, edges: run.edges, metadata: run.metadata });
          continue;
        }
        if (run.tool === 'norse') {
          const again = runNorseOn(f.graph, f.file('nir'), join(f.dir, INPUTS_FILE));
          expect(again.outputs).toEqual(run.outputs);
          expect(norseEvents(again, f.graph)).toEqual(run.events);
          continue;
        }
        const netx = run.tool === 'netx' ? ['--netx', f.file('lava-netx')] : [];
        const again = runScript(f.file('lava-py'), join(f.dir, INPUTS_FILE), netx);
        expect(again.outputs).toEqual(run.outputs);
        expect(again.rasters.map((r) => rasterEvents(r))).toEqual(run.events);
      }
    }, 240_000);
  }
});
