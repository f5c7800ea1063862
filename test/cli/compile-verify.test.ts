import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT, spikec } from '../support/cli.js';

const P1 = join(ROOT, 'examples', 'poisson1d');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikec-cv-'));
});

// each test runs several compiles as a user does (a process each): 5 to 25 s on a quiet machine
describe('spikec compile, eval, sim and verify, as a user runs them', { timeout: 120_000 }, () => {
  test('compile a bundled model to snn IR, then run it with eval and sim', () => {
    const out = join(dir, 'p1.sir');
    const c = spikec([
      'compile',
      P1,
      '--coding',
      'rate',
      '--T',
      '32',
      '--calib-samples',
      '32',
      '--finetune-steps',
      '20',
      '--pass-stats',
      '-o',
      out,
    ]);
    expect(c.code).toBe(0);
    // asked for with -o: on stdout, columns as wide as the widest pass name
    expect(c.stdout).toMatch(
      new RegExp(
        [
          'pass statistics:',
          ' {2}fold-weights .*',
          ' {2}threshold-balance .*',
          ' {2}lower-to-snn .*neurons=\\d+.*',
          ' {2}calibrate .*calib error before=.*calib error after=.*',
          ' {2}stagger .*copies=4.*',
          ' {2}finetune .*steps=20.*count-model error after=.*kept=(yes|no).*',
          ' {2}fold-weights',
        ].join('\n'),
      ),
    );
    expect(c.stderr).toContain(`spikec: wrote ${out}`);
    expect(spikec(['dump', out]).stdout).toMatch(/snn\.readout\(.*window = \[4, 36\]/);

    writeFileSync(join(dir, 'in.json'), JSON.stringify({ inputs: [[0.25], [0.5], [0.75]] }));
    const e = spikec(['eval', out, '--inputs', join(dir, 'in.json')]);
    expect(e.code).toBe(0);
    const y = JSON.parse(e.stdout).outputs as number[][];
    y.forEach((v, i) => expect(Math.abs(v[0] - Math.sin(Math.PI * [0.25, 0.5, 0.75][i]))).toBeLessThan(0.15));

    const s = spikec(['sim', out, '--input', '0.5', '--trace']);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(
      new RegExp(
        String.raw`^outputs: [\d.]+ {2}\(T = 32, 36 steps, \d+ synaptic ops\)\n` +
          String.raw`%\S+: \d+ neurons, [\d.]+ spikes\/neuron\/step\n +0 [|.-]{36}\n`,
      ),
    );
  });

  test('--print-ir-after-all prints the IR after every pass; --print-ir-after=PASS after one', () => {
    const all = spikec([
      'compile',
      P1,
      '--coding',
      'rate',
      '--T',
      '8',
      '--calib-samples',
      '16',
      '--finetune-steps',
      '10',
      '--print-ir-after-all',
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout.match(/^\/\/ -----\/\/ IR Dump After [\w-]+ \/\/----- \/\/$/gm)).toEqual([
      '// -----// IR Dump After fold-weights //----- //',
      '// -----// IR Dump After threshold-balance //----- //',
      '// -----// IR Dump After lower-to-snn //----- //',
      '// -----// IR Dump After calibrate //----- //',
      '// -----// IR Dump After stagger //----- //',
      '// -----// IR Dump After finetune //----- //',
      '// -----// IR Dump After fold-weights //----- //',
    ]);
    const one = spikec([
      'compile',
      P1,
      '--coding',
      'rate',
      '--T',
      '8',
      '--calib-samples',
      '16',
      '--finetune-steps',
      '10',
      '--print-ir-after',
      'lower-to-snn',
      '--print-ir-before',
      'threshold-balance',
    ]);
    expect(one.stdout.match(/IR Dump (Before|After) [\w-]+/g)).toEqual([
      'IR Dump Before threshold-balance',
      'IR Dump After lower-to-snn',
    ]);
    // a folded network is built twice (with and without the fold): only the one kept is dumped
    const folded = spikec([
      'compile',
      P1,
      '--coding',
      'sigma-delta',
      '--calib-samples',
      '32',
      '--finetune-steps',
      '10',
      '--print-ir-after',
      'lower-to-sigma-delta',
    ]);
    expect(folded.code).toBe(0);
    expect(folded.stderr).toMatch(/with fold-univariate \S+ from the ANN, without \S+: (kept|left out)/);
    expect(folded.stdout.match(/IR Dump After [\w-]+/g)).toEqual(['IR Dump After lower-to-sigma-delta']);
  });

  test('verify prints the table, and --json the documented keys', () => {
    const cheap = ['--coding', 'rate', '--calib-samples', '32', '--finetune-steps', '10', '--stagger', '1'];
    const t = spikec(['verify', P1, '--T', '16', ...cheap]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(
      new RegExp(
        String.raw`^spikec verify: poisson1d, 1001 test points, strategy pwl\n` +
          String.raw`\s*T\s+ANN vs exact\s+SNN vs ANN\s+SNN vs exact\s+spike rate\s+synops\/inf\s+per ANN MAC\s+` +
          String.raw`energy ratio\n`,
      ),
    );
    const j = spikec(['verify', P1, '--T', '16', ...cheap, '--json', '--sweep-T', '8,16']);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout);
    for (const k of [
      'T',
      'ann_vs_exact',
      'snn_vs_ann',
      'snn_vs_exact',
      'spike_rate',
      'synops_per_inference',
      'energy_ratio',
    ])
      expect(r).toHaveProperty(k);
    expect(r.T).toBe(16);
    expect(r.ann_vs_exact).toBeLessThan(1e-3);
    expect(r.sweep.map((s: { T: number }) => s.T)).toEqual([8, 16]);
    expect(r.sweep[0].snn_vs_ann).toBeGreaterThan(r.sweep[1].snn_vs_ann);
    expect(r.coding).toBe('rate');
  });

  test('sigma-delta: verify reports settling, graded operations and both energy models; compile writes files', () => {
    // a short finetune keeps the test quick; what it does is pinned in test/fit/sigma-delta-settled-model.test.ts
    const sd = ['--coding', 'sigma-delta', '--calib-samples', '64', '--finetune-steps', '50'];
    const j = spikec(['verify', P1, ...sd, '--json']);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(r.coding).toBe('sigma-delta');
    expect(r.settle_steps.max).toBe(r.T);
    expect(r.graded_synops_per_inference).toBe(r.synops_per_inference);
    // about one message per neuron per query: operations near the ANN's multiply-accumulates, not 1000x
    expect(r.synops_per_inference).toBeLessThan(3 * r.ann_macs_per_inference);
    expect(r.snn_vs_exact).toBeLessThan(5e-2);
    for (const m of ['arithmetic_45nm', 'loihi'])
      expect(Object.keys(r.energy[m])).toEqual(['snn_pj', 'ann_pj', 'ratio']);
    expect(spikec(['verify', P1, '--coding', 'sigma-delta', '--sweep-T', '8,16']).stderr).toMatch(
      /--sweep-T sweeps rate coding's window; a sigma-delta network has none/,
    );
    const st = spikec(['verify', P1, ...sd, '--stream', 'x', '--json']);
    expect(st.code).toBe(0);
    const sr = JSON.parse(st.stdout);
    expect(sr.stream).toEqual({ axis: 'x', queries: 1001, trajectories: 1 });
    // neighbouring queries: only changes travel, fewer operations per query than held alone
    expect(sr.synops_per_inference).toBeLessThan(r.synops_per_inference);
    expect(spikec(['verify', P1, '--coding', 'rate', '--stream', 'x']).stderr).toMatch(
      /--stream runs a sigma-delta network/,
    );
    // a denser stream over the same domain: queries closer, less changes, fewer operations per query
    const dense = JSON.parse(spikec(['verify', P1, ...sd, '--stream', 'x:8001', '--json']).stdout);
    expect(dense.stream).toEqual({ axis: 'x', queries: 8001, trajectories: 1 });
    expect(dense.synops_per_inference).toBeLessThan(0.5 * sr.synops_per_inference);
    expect(dense.ann_vs_exact).toBeGreaterThan(0);
    expect(spikec(['verify', P1, ...sd, '--stream', 'x:1']).stderr).toMatch(/N must be an integer from 2/);
    const out = join(dir, 'sd');
    const c = spikec(['compile', P1, ...sd, '--pass-stats', '--target', 'lava-netx,lava-py', '-o', out]);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/wrote .*poisson1d\.net\.h5 \(lava-netx\)/);
    // finetune twice: the float ramps, then (after quantize) the integer mantissas
    const passes = new RegExp(
      'lower-to-sigma-delta[^\\n]*\\n\\s*finetune-sigma-delta[^\\n]*settled-model error[\\s\\S]*' +
        'quantize-sigma-delta[^\\n]*\\n\\s*finetune-sigma-delta ',
    );
    expect(c.stdout).toMatch(passes);
    expect(c.stdout).toMatch(/rows reverted/);
    // every pass's time ends in the same column
    const ends = c.stdout
      .split('\n')
      .filter((l) => / ms( |$)/.test(l))
      .map((l) => l.indexOf(' ms'));
    expect(new Set(ends).size).toBe(1);
    expect(spikec(['verify', P1, '--coding', 'morse']).stderr).toMatch(
      /unknown coding 'morse' \(known: auto, rate, sigma-delta\)/,
    );
  });

  test('no --coding: a network per family, Loihi 2 sigma-delta and NIR rate, each named in its files', () => {
    const cheap = ['--calib-samples', '64', '--finetune-steps', '20'];
    const sd = spikec(['compile', P1, ...cheap, '--target', 'loihi2,lava-netx', '-o', join(dir, 'auto-netx')]);
    expect(sd.code).toBe(0);
    expect(sd.stderr).toMatch(/lava-netx: sigma-delta coding \(Loihi 2's graded spikes; --coding rate builds/);
    expect(sd.stderr).toMatch(/\[4\/9\] lower-to-sigma-delta/);
    // one input, one output: the network folded to one table, and built without the fold to compare
    expect(sd.stderr).toMatch(/\[1\/9\] fold-univariate/);
    expect(sd.stderr).toMatch(/sigma-delta: with fold-univariate \S+ from the ANN, without \S+: (kept|left out)/);
    expect(sd.stderr).toMatch(
      /poisson1d, sigma-delta: \d\.\d\de-\d from the ANN on 1024 validation inputs, [\d.]+ operations/,
    );
    const sdIr = readFileSync(join(dir, 'auto-netx', 'poisson1d.sir'), 'utf8');
    expect(sdIr).toMatch(/snn\.sigma-delta/);
    expect(sdIr).toMatch(/storage = "sparse"/);
    expect(sdIr).not.toMatch(/snn\.neurons/);
    const both = spikec([
      'compile',
      P1,
      ...cheap,
      '--no-calibrate',
      '--target',
      'loihi2,lava-netx,nir',
      '-o',
      join(dir, 'auto-nir'),
    ]);
    expect(both.code).toBe(0);
    expect(both.stderr).toMatch(/within nir: NIR's fields .*\(rate coding: nir holds no sigma-delta neuron\)/);
    expect(both.stderr).toMatch(/wrote .*poisson1d\.sigma-delta\.net\.h5 \(lava-netx, sigma-delta\)/);
    expect(both.stderr).toMatch(/wrote .*poisson1d\.rate\.nir \(nir, rate\)/);
    // the two networks are built at once, each in a thread of its own, with the bytes of one after another
    expect(both.stderr).toMatch(/compile sigma-delta \[3\/\d\] lower-to-sigma-delta/);
    expect(both.stderr).toMatch(/compile rate \[3\/\d\] lower-to-snn/);
    const oneThread = join(dir, 'auto-nir-one-thread');
    const inTurn = spikec(
      ['compile', P1, ...cheap, '--no-calibrate', '--target', 'loihi2,lava-netx,nir', '-o', oneThread],
      { env: { SPIKEC_THREADS: '1' } },
    );
    expect(inTurn.code).toBe(0);
    expect(inTurn.stderr).toMatch(/\nspikec: sigma-delta network, for lava-netx\nspikec: compile \[1\/\d\]/);
    for (const f of readdirSync(join(dir, 'auto-nir')))
      expect(readFileSync(join(oneThread, f)), f).toEqual(readFileSync(join(dir, 'auto-nir', f)));
    const rateIr = readFileSync(join(dir, 'auto-nir', 'poisson1d.rate.sir'), 'utf8');
    expect(rateIr).toMatch(/snn\.neurons/);
    // nir's network is NIR's: reset to zero, at rest until its input arrives, firing above threshold
    expect(rateIr).toMatch(/reset = "zero", fireAbove = true, onset = "window"/);
    expect(readFileSync(join(dir, 'auto-nir', 'poisson1d.sigma-delta.sir'), 'utf8')).toMatch(/snn\.sigma-delta/);
    const manifest = JSON.parse(readFileSync(join(dir, 'auto-nir', 'poisson1d.manifest.json'), 'utf8'));
    expect(
      manifest.networks.map((n: { name: string; coding: string; files: string[] }) => [n.name, n.coding, n.files]),
    ).toEqual([
      ['poisson1d.sigma-delta', 'sigma-delta', ['poisson1d.sigma-delta.sir', 'poisson1d.sigma-delta.net.h5']],
      ['poisson1d.rate', 'rate', ['poisson1d.rate.sir', 'poisson1d.rate.nir']],
    ]);
    for (const n of manifest.networks)
      expect(Object.keys(n.validation)).toEqual([
        'coding',
        'inputs',
        'error_vs_ann',
        'ops_per_query',
        'ops_per_ann_mac',
        'events_per_query',
        'steps',
      ]);
    // named, the coding is kept for every file: rate coding within netx, as the paper's method builds it
    const named = spikec([
      'compile',
      P1,
      ...cheap,
      '--no-calibrate',
      '--coding',
      'rate',
      '--target',
      'lava-netx',
      '-o',
      join(dir, 'named-rate'),
    ]);
    expect(named.code).toBe(0);
    expect(named.stderr).toMatch(/within lava-netx: neurons reset to zero and start at rest\n/);
    expect(readFileSync(join(dir, 'named-rate', 'poisson1d.sir'), 'utf8')).toMatch(/reset = "zero"/);
  });

  test('--tolerance: a network that meets it is kept; none meeting it is a named error, with what was tried', () => {
    const cheap = ['--calib-samples', '32', '--finetune-steps', '5'];
    const ok = spikec(['compile', P1, ...cheap, '--tolerance', '0.5', '-o', join(dir, 'tol-ok.sir')]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/poisson1d, sigma-delta: \d\.\d\de-\d from the ANN on 1024 validation inputs/);
    expect(ok.stderr).not.toMatch(/tried/);
    const out = join(dir, 'tol-missed');
    const missed = spikec(['compile', P1, ...cheap, '--tolerance', '1e-7', '--target', 'loihi2,lava-py', '-o', out]);
    expect(missed.code).toBe(1);
    expect(missed.stderr).toMatch(
      new RegExp(
        String.raw`spikec: error: .*model\.json: no sigma-delta network met --tolerance 1e-7 on 1024 validation ` +
          String.raw`inputs; tried:\n {2}as asked: \S+ from the ANN, [\d.]+ operations per ANN MAC\n {2}--K 18: .*\n` +
          String.raw` {2}--K 24: .*\n {2}--K 24 --finetune-steps 15: .*\nnothing written`,
      ),
    );
    expect(missed.stderr).toMatch(/misses --tolerance 1e-7; trying --K 18/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    // both families, built in threads at once: the first network's error, as one after another
    const bothOut = join(dir, 'tol-missed-both');
    const bothMissed = spikec([
      'compile',
      P1,
      ...cheap,
      '--tolerance',
      '1e-7',
      '--target',
      'loihi2,lava-py,nir',
      '-o',
      bothOut,
    ]);
    expect(bothMissed.code).toBe(1);
    expect(bothMissed.stderr).toMatch(/spikec: error: .*model\.json: no sigma-delta network met --tolerance 1e-7/);
    expect(bothMissed.stderr).toMatch(/rate: .* misses --tolerance 1e-7; trying --T 128/);
    expect(bothMissed.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(bothOut) ? readdirSync(bothOut) : []).toEqual([]);
  });

  test('verify --plot writes the solution, error and error-vs-T plots as SVG and PNG', () => {
    const plots = join(dir, 'plots');
    const r = spikec([
      'verify',
      P1,
      '--coding',
      'rate',
      '--T',
      '8',
      '--calib-samples',
      '32',
      '--finetune-steps',
      '0',
      '--stagger',
      '1',
      '--sweep-T',
      '4,8',
      '--plot',
      plots,
    ]);
    expect(r.code).toBe(0);
    for (const f of ['solution', 'error', 'error-vs-T']) {
      expect(readFileSync(join(plots, `${f}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(
        readFileSync(join(plots, `${f}.png`))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    }
  });

  test('bad options are clear errors', () => {
    const bad = (args: string[], msg: RegExp): void => {
      const r = spikec(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    bad(['compile', P1, '--T', '0'], /^spikec: error: --T must be an integer from 1 to 4096, not '0'/);
    bad(['compile', P1, '--stagger', '0'], /^spikec: error: --stagger must be an integer from 1 to 64, not '0'/);
    bad(
      ['compile', P1, '--finetune-steps', '-5'],
      /^spikec: error: --finetune-steps must be an integer from 0 to 1000000, not '-5'/,
    );
    bad(
      ['compile', P1, '--strategy', 'magic'],
      /^spikec: error: unknown strategy 'magic' \(known: clip, signed, pwl\)/,
    );
    bad(
      ['compile', P1, '--pipeline', 'fold-weights,frobnicate'],
      /^spikec: error: pipeline: unknown pass 'frobnicate'/,
    );
    bad(
      ['compile', join(ROOT, 'test', 'fixtures', 'onnx', 'poisson2d_tanh.onnx')],
      new RegExp(
        String.raw`^spikec: error: threshold-balance: needs calibration inputs: give a model directory with ` +
          String.raw`problem\.json, --calib-inputs FILE\.json or --domain lo:hi,\.\.\.`,
      ),
    );
    bad(['compile', P1, '--domain', '0:1,1:0'], /--domain needs lo:hi pairs with lo < hi/);
    bad(['verify', join(dir, 'p1.sir')], /verifying a compiled network \(.sir, .sirpb, .nir\) needs --reference MODEL/);
  });

  test('an ONNX model compiles with --domain', () => {
    const cheap = ['--coding', 'rate', '--T', '8', '--calib-samples', '32', '--finetune-steps', '0', '--stagger', '1'];
    const r = spikec([
      'compile',
      join(ROOT, 'test', 'fixtures', 'onnx', 'poisson2d_spinn.onnx'),
      '--domain',
      '0:1,0:1',
      ...cheap,
      '-o',
      join(dir, 'spinn.sirpb'),
    ]);
    expect(r.code).toBe(0);
    expect(spikec(['dump', join(dir, 'spinn.sirpb')]).stdout).toMatch(
      /ann\.product\(%fx\.fx\.4\.Gemm, %fy\.fy\.4\.Gemm\) \{rank = 16\}/,
    );
    // the ONNX input states no domain: --domain gives quantize the input range for 8-bit graded inputs
    const q = spikec([
      'compile',
      join(ROOT, 'test', 'fixtures', 'onnx', 'poisson2d_tanh.onnx'),
      '--domain',
      '0:1,0:1',
      ...cheap,
      '--target',
      'loihi2',
      '-o',
      join(dir, 'tanh-q.sir'),
    ]);
    expect(q.code).toBe(0);
    expect(spikec(['dump', join(dir, 'tanh-q.sir')]).stdout).toMatch(
      new RegExp(
        String.raw`snn\.encoder\(\) \{mode = "graded", payloadBits = 8, dims = 2, domain = \[\[0, 1\], \[0, 1\]\], ` +
          String.raw`names = \["x0", "x1"\], normalization = \{offset = \[0, 0\], scale = \[127, 127\]\}\}`,
      ),
    );
  });
});

describe('spikec verify on the bundled poisson2d model', () => {
  test('prints the verification table for the 10,000-point test grid', () => {
    const r = spikec(
      [
        'verify',
        join(ROOT, 'examples', 'poisson2d'),
        '--coding',
        'rate',
        '--T',
        '32',
        '--calib-samples',
        '64',
        '--finetune-steps',
        '0',
        '--stagger',
        '1',
      ],
      { timeoutMs: 300_000 },
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('spikec verify: poisson2d, 10000 test points, strategy pwl');
    const cells = lines[3].trim().split(/\s+/);
    expect(cells[0]).toBe('32');
    expect(Number(cells[1])).toBeLessThan(5e-3); // ANN vs exact
    expect(Number(cells[2])).toBeLessThan(0.5); // SNN vs ANN
  }, 300_000);
});

describe('spikec verify on a model file without a problem.json', { timeout: 120_000 }, () => {
  const TANH = join(ROOT, 'test', 'fixtures', 'onnx', 'poisson2d_tanh.onnx');
  const cheap = ['--coding', 'sigma-delta', '--calib-samples', '64', '--finetune-steps', '50'];

  test('an ONNX file with --domain: a grid over it, against the ANN; a bundled name gives no exact solution', () => {
    const t = spikec(['verify', TANH, '--domain', '0:1,0:1', '--grid', '16', ...cheap]);
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^spikec verify: poisson2d_tanh, 256 test points \(no exact solution: against the ANN\), coding sigma-delta/,
    );
    const cells = lines[3].trim().split(/\s+/);
    expect([cells[1], cells[3]]).toEqual(['n/a', 'n/a']);
    expect(Number(cells[2])).toBeLessThan(0.1);

    // a file named like a bundled problem is still only the ANN's: no exact solution is guessed from its name
    const renamed = join(dir, 'poisson2d.onnx');
    writeFileSync(renamed, readFileSync(TANH));
    const j = spikec(['verify', renamed, '--domain', '0:1,0:1', '--grid', '8', '--json', ...cheap]);
    expect(j.code).toBe(0);
    const row = JSON.parse(j.stdout);
    expect(row).toMatchObject({ problem: 'poisson2d', points: 64, exact_solution: null, ann_vs_exact: null });
    expect(row.snn_vs_ann).toBeLessThan(0.1);
  });

  for (const act of ['gelu', 'elu'])
    test(`a PyTorch ${act.toUpperCase()} PINN (ONNX): compiled and verified against its ANN`, () => {
      const file = join(ROOT, 'test', 'fixtures', 'onnx', `poisson2d_${act}.onnx`);
      const r = spikec(['verify', file, '--domain', '0:1,0:1', '--grid', '16', '--json', ...cheap]);
      expect(r.code).toBe(0);
      const row = JSON.parse(r.stdout);
      expect(row).toMatchObject({ problem: `poisson2d_${act}`, points: 256, coding: 'sigma-delta' });
      // a short fit (50 steps; the default 1000 measured 7.1e-3 for GELU and 1.5e-2 for ELU): a wrong
      // activation function anywhere would be off by far more
      expect(row.snn_vs_ann).toBeLessThan(0.15);
    });

  test('a compiled network with --reference MODEL.onnx on --inputs rows; no box at all is a named error', () => {
    const sir = join(dir, 'tanh-sd.sir');
    const c = spikec(['compile', TANH, '--domain', '0:1,0:1', ...cheap, '-o', sir]);
    expect(c.code).toBe(0);
    writeFileSync(
      join(dir, 'rows.json'),
      JSON.stringify([
        [0.1, 0.2],
        [0.5, 0.5],
        [0.9, 0.3],
      ]),
    );
    const r = spikec(['verify', sir, '--reference', TANH, '--inputs', join(dir, 'rows.json'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ problem: 'poisson2d_tanh', points: 3, snn_vs_exact: null });
    // without --inputs, the box the compiled network's encoder records is the grid's
    const g = spikec(['verify', sir, '--reference', TANH, '--grid', '4']);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^spikec verify: poisson2d_tanh, 16 test points/);

    const none = spikec(['verify', TANH, ...cheap]);
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim()).toBe(
      `spikec: error: ${TANH}: no problem.json beside the model and no domain recorded in it: give --domain ` +
        'lo:hi,lo:hi (verify on a grid over that box) or --inputs FILE (rows to verify on)',
    );
    const both = spikec(['verify', TANH, '--inputs', join(dir, 'rows.json'), '--grid', '4']);
    expect(both.stderr).toMatch(/--inputs and --grid both say where to verify: give one/);
  });
});
