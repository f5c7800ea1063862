import {
  type ConversionRow,
  BENCH_MODELS,
  conversionBench,
  conversionMarkdown,
  headlineMarkdown,
} from './conversion.js';
import { machine, writeResult } from './common.js';
import { conversionPlots } from './plots.js';
import type { Strategy } from '../src/passes/index.js';
import { floorBench, floorMarkdown } from './floor.js';
import { quantizationBench } from './quantization.js';
import { resourcesBench } from './resources.js';
import { simulatorBench } from './simulator.js';
import { type StageRow, STAGES, stagesBench, stagesMarkdown } from './stages.js';
import { trainingBench } from './training.js';
import { ORACLES } from './oracles.js';

/**
 * npm run bench [-- --quick] [-- --only training,simulator,conversion]
 * Full run: every bundled model and ONNX fixture, strategies clip/signed/pwl, T in 8..256, with and
 * without calibration, float and quantized for Loihi 2, on test grids thinned to 1,000 points.
 * --quick: two models, pwl, T = 16 and 64, 400 points (what CI runs).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const want = (k: string): boolean => !only || only.includes(k);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const suffix = quick ? '.quick' : '';
  const cmd = `npm run bench${quick ? ' -- --quick' : ''}`;

  if (args.includes('--merge')) {
    // npm run bench -- --merge: join the parts of a sweep run as separate processes (--models= --tag=partN)
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { RESULTS } = await import('./common.js');
    const parts = readdirSync(RESULTS)
      .filter((f) => /^conversion\.part\d+\.json$/.test(f))
      .sort();
    const rows: ConversionRow[] = parts.flatMap((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')).rows);
    rows.sort(
      (a, b) => BENCH_MODELS.findIndex((m) => m.name === a.model) - BENCH_MODELS.findIndex((m) => m.name === b.model),
    );
    const made = 'npm run bench -- --only=conversion (models split over processes, then --merge)';
    writeResult('conversion.json', { command: made, machine: machine(), rows });
    writeResult('conversion.md', `<!-- made by: ${made} -->\n${conversionMarkdown(rows)}`);
    writeResult('headline.md', `<!-- made by: ${made} -->\n${headlineMarkdown(rows)}`);
    await conversionPlots(rows, '');
    return;
  }
  if (args.includes('--merge-stages')) {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { RESULTS } = await import('./common.js');
    const rows: StageRow[] = readdirSync(RESULTS)
      .filter((f) => /^stages\.part\d+\.json$/.test(f))
      .sort()
      .flatMap((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')).rows);
    rows.sort(
      (a, b) => BENCH_MODELS.findIndex((m) => m.name === a.model) - BENCH_MODELS.findIndex((m) => m.name === b.model),
    );
    const made = 'npm run bench -- --only=stages (models split over processes, then --merge-stages)';
    writeResult('stages.json', { command: made, machine: machine(), rows });
    writeResult('stages.md', `<!-- made by: ${made} -->\n${stagesMarkdown(rows)}`);
    return;
  }
  if (args.includes('--plots-only')) {
    // redraw the plots of a finished sweep: npm run bench -- --plots-only [--quick]
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { RESULTS } = await import('./common.js');
    await conversionPlots(JSON.parse(readFileSync(join(RESULTS, `conversion${suffix}.json`), 'utf8')).rows, suffix);
    return;
  }
  if (want('training')) {
    log('bench: training speed');
    const r = await trainingBench(quick);
    log(`  ${JSON.stringify(r)}`);
    writeResult(`training${suffix}.json`, { command: cmd, machine: machine(), ...r });
  }
  if (want('simulator')) {
    log('bench: simulator throughput');
    const r = await simulatorBench(quick);
    log(`  ${JSON.stringify(r)}`);
    writeResult(`simulator${suffix}.json`, { command: cmd, machine: machine(), ...r });
  }
  if (want('compile') && !quick) {
    log('bench: compile speed (poisson2d against the base commit; per-pass time against width)');
    const { compileBench, compileMarkdown, compilePlot } = await import('./compile.js');
    const r = await compileBench(log);
    const made = 'npm run bench -- --only=compile';
    writeResult('compile.json', { command: made, machine: machine(), ...r });
    writeResult('compile.md', compileMarkdown(r, made, machine().date as string));
    await compilePlot(r);
  }
  if (want('nir') && !quick) {
    log('bench: the NIR network against the default rate network, and Norse running its files');
    const { nirBench, nirMarkdown } = await import('./nir.js');
    const r = await nirBench(log);
    const made = 'npm run bench -- --only=nir';
    writeResult('nir.json', { command: made, machine: machine(), ...r });
    writeResult('nir.md', nirMarkdown(r, made, machine().date as string));
  }
  if (want('nir-transfer')) {
    log('bench: one unit under a constant input, subtract reset against reset to zero');
    const { nirTransferBench, nirTransferMarkdown } = await import('./nir-transfer.js');
    const r = nirTransferBench();
    const made = 'npm run bench -- --only=nir-transfer';
    writeResult('nir-transfer.json', { command: made, machine: machine(), ...r });
    writeResult('nir-transfer.md', nirTransferMarkdown(r, made, machine().date as string));
  }
  if (want('families') && !quick) {
    log(`bench: a network per target family, against ${(await import('./families.js')).FAMILIES_BASE}`);
    const { familiesBench, familiesMarkdown, familiesPlot } = await import('./families.js');
    const r = await familiesBench(log);
    const made = 'npm run bench -- --only=families';
    writeResult('families.json', { command: made, machine: machine(), ...r });
    writeResult('families.md', familiesMarkdown(r, made, machine().date as string));
    log(`bench: wrote ${(await familiesPlot(r.rows)).join(', ')}`);
  }
  if (want('fidelity') && !quick) {
    log(`bench: emitted files in the real tools (${ORACLES})`);
    const { fidelityBench, fidelityMarkdown } = await import('./fidelity.js');
    const r = await fidelityBench(log);
    const made = 'npm run bench -- --only=fidelity';
    writeResult('fidelity.json', { command: made, machine: machine(), ...r });
    writeResult('fidelity.md', `<!-- made by: ${made} -->\n${fidelityMarkdown(r.rows)}`);
  }
  if (want('sigma-delta') && !quick) {
    log('bench: sigma-delta coding, static and streamed, every bundled model');
    const { sigmaDeltaBench, sigmaDeltaMarkdown, sigmaDeltaPlot } = await import('./sigma-delta.js');
    const r = await sigmaDeltaBench(log);
    const made = 'npm run bench -- --only=sigma-delta';
    writeResult('sigma-delta.json', { command: made, machine: machine(), ...r });
    writeResult('sigma-delta.md', sigmaDeltaMarkdown(r.rows, r.lava, made, machine().date as string));
    await sigmaDeltaPlot(r.rows);
  }
  if (want('stream') && !quick) {
    log('bench: a streaming workload, heat1d along t');
    const { streamBench, streamMarkdown, streamPlot } = await import('./stream.js');
    const rows = await streamBench(log);
    const made = 'npm run bench -- --only=stream';
    writeResult('stream.json', { command: made, machine: machine(), rows });
    writeResult('stream.md', streamMarkdown(rows, made, machine().date as string));
    await streamPlot(rows);
  }
  if (only?.includes('lava-scale')) {
    // asked for by name only: about an hour, and it needs the real tools
    log('bench: 10,000 rows through the Lava scripts, time and peak memory beside spikec eval');
    const { lavaScaleBench, lavaScaleMarkdown } = await import('./lava-scale.js');
    const rows = await lavaScaleBench(log);
    const made = 'npm run bench -- --only=lava-scale';
    writeResult('lava-scale.json', { command: made, machine: machine(), rows });
    writeResult('lava-scale.md', `<!-- made by: ${made}, ${machine().date} -->\n${lavaScaleMarkdown(rows)}`);
  }
  if (want('floor') && !quick) {
    log('bench: rate-coding floor (poisson2d)');
    const r = await floorBench();
    writeResult('floor.json', { command: cmd, machine: machine(), ...r });
    writeResult('floor.md', `<!-- made by: ${cmd} -->\n${floorMarkdown(r)}`);
  }
  if (want('quantization') && !quick) {
    log('bench: quantization');
    const r = await quantizationBench();
    log(`  ${JSON.stringify(r)}`);
    writeResult('quantization.json', { command: cmd, machine: machine(), ...r });
  }
  if (want('resources')) {
    log('bench: resources');
    const names = [
      'poisson1d',
      'poisson2d',
      'heat1d',
      'burgers1d',
      'navier-stokes2d',
      'poisson2d-spinn',
      'poisson1d-sin',
    ];
    writeResult(
      `resources${suffix}.md`,
      `<!-- made by: ${cmd} -->\n# Loihi 2 resources of the bundled models (pwl, K = 4)\n\n` +
        (await resourcesBench(quick ? names.slice(0, 1) : names)),
    );
  }
  if (want('stages')) {
    // what each step of the default pipeline adds; split with --models= --tag=partN, join with --merge-stages
    log('bench: pipeline stages (pwl, T = 64)');
    const pick = args
      .find((a) => a.startsWith('--models='))
      ?.slice(9)
      .split(',');
    const tag = args.find((a) => a.startsWith('--tag='))?.slice(6);
    const rows = await stagesBench({
      models: pick
        ? BENCH_MODELS.filter((m) => pick.includes(m.name))
        : quick
          ? BENCH_MODELS.filter((m) => m.name === 'poisson1d')
          : BENCH_MODELS,
      maxPoints: quick ? 400 : 1000,
      calibSamples: quick ? 128 : 256,
      log,
    });
    const file = `stages${tag ? `.${tag}` : ''}${suffix}`;
    const made = args.length ? `npm run bench -- ${args.join(' ')}` : cmd;
    writeResult(`${file}.json`, { command: made, machine: machine(), rows });
    writeResult(`${file}.md`, `<!-- made by: ${made} -->\n${stagesMarkdown(rows)}`);
  }
  if (want('target') && !quick) {
    // issue 5's target: poisson2d, T = 64, on the whole 10,000-point test grid, with K = 8 and 1,500 fine-tuning steps
    log('bench: poisson2d target configuration');
    const over = { K: 8, finetuneSteps: 1500 };
    const rows = await stagesBench({
      models: BENCH_MODELS.filter((m) => m.name === 'poisson2d'),
      maxPoints: 10_000,
      calibSamples: 256,
      log,
      over,
      stages: STAGES.slice(2),
    });
    writeResult('poisson2d-target.json', { command: cmd, machine: machine(), over, rows });
    writeResult('poisson2d-target.md', `<!-- made by: npm run bench -- --only=target -->\n${stagesMarkdown(rows)}`);
  }
  if (want('conversion')) {
    log('bench: conversion sweep');
    const pick = args
      .find((a) => a.startsWith('--models='))
      ?.slice(9)
      .split(',');
    const tag = args.find((a) => a.startsWith('--tag='))?.slice(6);
    const rows: ConversionRow[] = await conversionBench({
      models: pick
        ? BENCH_MODELS.filter((m) => pick.includes(m.name))
        : quick
          ? BENCH_MODELS.filter((m) => m.name === 'poisson1d' || m.name === 'poisson2d-spinn')
          : BENCH_MODELS,
      strategies:
        (args
          .find((a) => a.startsWith('--strategies='))
          ?.slice(13)
          .split(',') as Strategy[] | undefined) ?? (quick ? ['pwl'] : ['clip', 'signed', 'pwl']),
      Ts:
        args
          .find((a) => a.startsWith('--Ts='))
          ?.slice(5)
          .split(',')
          .map(Number) ?? (quick ? [16, 64] : [8, 16, 32, 64, 128, 256]),
      maxPoints: quick ? 400 : 1000,
      calibSamples: quick ? 128 : 256,
      log,
    });
    const file = `conversion${tag ? `.${tag}` : ''}${suffix}`;
    const made = args.length ? `npm run bench -- ${args.join(' ')}` : cmd;
    writeResult(`${file}.json`, { command: made, machine: machine(), rows });
    writeResult(`${file}.md`, `<!-- made by: ${made} -->\n${conversionMarkdown(rows)}`);
    if (!pick) {
      writeResult(`headline${suffix}.md`, `<!-- made by: ${made} -->\n${headlineMarkdown(rows)}`);
      await conversionPlots(rows, suffix);
    }
  }
}

await main();
