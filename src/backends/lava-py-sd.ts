import {
  type Graph,
  IrError,
  type NodeOf,
  SD_FIXED_PROCESS_MODEL,
  SD_RELEASED_PROCESS_MODEL,
  SD_SPIKE_EXP,
  SD_STATE_EXP,
  tensorStats,
} from '../ir/index.js';
import { snnChain, storedSparse, weightShape } from './chain.js';
import { PY_BATCH_ROWS, PY_NETX_BATCH_ROWS, pyHost, pyList, pyMain, pyMatrix, pyNum } from './python.js';

/** Bits of the graded messages the script's Dense processes read (what the 24-bit state's changes need). */
const MESSAGE_BITS = 24;

/** One population or the readout, as the script's LAYERS list holds it. */
function layerEntry(synapse: NodeOf<'snn.synapse'>, target: NodeOf<'snn.sigma-delta'> | NodeOf<'snn.readout'>) {
  const [out, inW] = weightShape(synapse);
  const w = synapse.weight.kind === 'int' ? synapse.weight.mantissa.data : synapse.weight.values.data;
  const exponent = synapse.weight.kind === 'int' ? String(synapse.weight.exponent) : '0';
  const neuron =
    target.kind === 'snn.sigma-delta'
      ? `vth=${pyNum(target.threshold)}, bias=np.array(${pyList(target.bias.data)}), ` +
        `relu=${target.activation === 'relu' ? 'True' : 'False'}`
      : 'sigma=True';
  const name = JSON.stringify(target.id);
  const sparse = synapse.storage === 'sparse' ? 'True' : 'False';
  const weights = `weights=${pyMatrix(w, out, inW)}, weight_exp=${exponent}, sparse=${sparse}`;
  return `    dict(name=${name}, ${weights}, ${neuron}),`;
}

/**
 * Lava's bit-accurate Dense clips integer weights to 8 bits and a sign (lava.utils.weightutils.clip_weights:
 * [-256, 255] for a mixed-sign matrix, [0, 255] or [-255, 0] for one sign).
 */
const LAVA_DENSE_WEIGHT = { mixed: [-256, 255], single: 255 } as const;

/**
 * Why the script's fixed-point processes would run `g` differently from spikec (empty: they run it as
 * compiled): a synapse whose mantissas Lava's Dense would clip.
 */
export function lavaSigmaDeltaProblems(g: Graph): string[] {
  const problems: string[] = [];
  for (const { synapse } of snnChain(g, 'lava-py').layers) {
    if (synapse.weight.kind !== 'int') continue;
    const { min: lo, max: hi } = tensorStats(synapse.weight.mantissa);
    const mixed = lo < 0 && hi > 0;
    const [min, max] = mixed ? LAVA_DENSE_WEIGHT.mixed : [-LAVA_DENSE_WEIGHT.single, LAVA_DENSE_WEIGHT.single];
    if (lo < min || hi > max)
      problems.push(
        `%${synapse.id}: weight mantissas in [${lo}, ${hi}], beyond what Lava's Dense keeps ([${min}, ${max}]: ` +
          '8 bits and a sign; compile for loihi2)',
      );
  }
  return problems;
}

/**
 * The lava-py script of a sigma-delta network: Lava's own processes, as a Loihi 2 user builds them, a
 * RingBuffer sending the delta-encoded query at step 0, then per population a Dense (integer mantissas,
 * weight_exp, num_weight_bits that leave them untruncated) and a SigmaDelta (ReLU or UNIT, spike_exp and
 * state_exp 6 in fixed point), the readout a Dense into a Sigma. Runs fixed_pt (bit-accurate) or
 * floating_pt, the queries of a batch side by side on copies of the network in one Lava run, and prints
 * {"outputs": ...} equal to `spikec eval`, with --rasters every population's messages per step
 * (`spikec sim --trace --json`); --netx FILE runs the same queries through the netx file instead.
 */
export function lavaSigmaDeltaScript(g: Graph): string {
  const problems = lavaSigmaDeltaProblems(g);
  if (problems.length) throw new IrError(`lava-py cannot run this network as compiled:\n  ${problems.join('\n  ')}`);
  const chain = snnChain(g, 'lava-py');
  const e = chain.encoder;
  const norm = e.normalization ?? { scale: Array(e.dims).fill(1), offset: Array(e.dims).fill(0) };
  const readout = chain.layers[chain.layers.length - 1].target as NodeOf<'snn.readout'>;
  const fixed = chain.layers.some((l) => l.target.kind === 'snn.sigma-delta' && l.target.arith === 'fixed');
  const layers = chain.layers.map(({ synapse, target }) =>
    layerEntry(synapse, target as NodeOf<'snn.sigma-delta'> | NodeOf<'snn.readout'>),
  );
  const populations = chain.layers.filter((l) => l.target.kind === 'snn.sigma-delta').map((l) => l.target.id);
  return `#!/usr/bin/env python3
"""${g.name}: a sigma-delta network compiled by spikec, built from Lava's own processes.

Usage: python3 ${g.name}.py [INPUTS.json] [--rasters] [--stream] [--netx ${g.name}.net.h5] [--batch N]
                 [--out FILE] [--quiet]
INPUTS.json: a JSON list of input rows, or {"inputs": rows}, as for \`spikec eval --inputs\` (default: the
centre of the domain). Each row is one query, held: the input sends it at step 0 and nothing after, and
the network runs ${readout.window[1]} steps, until it has settled. Prints {"outputs": [[...], ...]}, equal to
\`spikec eval\` of the compiled network; --rasters adds each population's messages at every step, equal to
\`spikec sim --trace --json\`. The rows run in batches of N (--batch, default ${PY_BATCH_ROWS},
${PY_NETX_BATCH_ROWS} with --netx), each batch one Lava run with a copy of the network per row, so memory stays
bounded however many rows there are; a line on stderr after each batch says how far it got (--quiet:
none), and --out FILE writes the result so far there
after each batch (whole, with "rows" done "of" all) instead of printing it at the end. --netx FILE runs
the same rows through the lava-dl netx file of this network instead (\`spikec compile --coding sigma-delta
--target lava-netx\`): one network per batch, its queries one after another, every neuron's and synapse's
state set back to 0 between two, with the same output.
--stream: the rows are one stream of queries instead, a query per step, each sent as its change from the
one before, on one copy of the network: query k's output is read at step k + ${readout.window[1] - 1}
(\`spikec verify --stream\`); --rasters then gives one entry, the whole stream's messages.
Fixed point runs Lava's ${SD_FIXED_PROCESS_MODEL} (exception_proc_model_map): the low bits a message's
shift drops stay in the neuron's unsent change, so no message loses them; a held query runs the same in
either model, so with a lava-nc that lacks it (0.10.0, the latest release) held queries run on
${SD_RELEASED_PROCESS_MODEL} and --stream is refused (install lava-nc from its source for streams).
Requires lava-nc (and lava-dl for --netx). Generated file: edit the spikec model, not this script.
"""
import json
import multiprocessing
import os
import sys
import time
import traceback

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
import scipy.sparse
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.monitor.process import Monitor
try:
    from lava.proc.sdn.models import ${SD_FIXED_PROCESS_MODEL} as FIXED_MODEL
    CORRECTED = True
except ImportError:  # lava-nc 0.10.0: the same messages for a held query, not for a stream (see above)
    from lava.proc.sdn.models import ${SD_RELEASED_PROCESS_MODEL} as FIXED_MODEL
    CORRECTED = False
from lava.proc.sdn.process import ActivationMode, Sigma, SigmaDelta
from lava.proc.sparse.process import Sparse

FIXED = ${fixed ? 'True' : 'False'}
STEPS = ${readout.window[1]}
INPUT_SCALE = np.array(${pyList(norm.scale)})
INPUT_OFFSET = np.array(${pyList(norm.offset)})
PAYLOAD_BITS = ${e.payloadBits ?? 0}
BIAS_CHANNEL = ${e.biasChannel === undefined ? 'None' : pyNum(e.biasChannel)}
DOMAIN = ${JSON.stringify(e.domain ?? Array.from({ length: e.dims }, () => [0, 1]))}
READ_SCALE = np.array(${pyList(readout.scale.data)})
READ_OFFSET = np.array(${pyList(readout.offset.data)})
POPULATIONS = ${JSON.stringify(populations)}
# every layer stored sparse (the netx file's simulation/sparseFcLayer): netx loads it with sparse_fc_layer
SPARSE = ${storedSparse(chain) ? 'True' : 'False'}
LAYERS = [
${layers.join('\n')}
]
TAG = "fixed_pt" if FIXED else "floating_pt"
RASTERS = "--rasters" in sys.argv
# the decimal place of graded spikes and of the state: threshold and bias mantissas count 2^(SPIKE_EXP +
# STATE_EXP) state units, messages 2^STATE_EXP (netx's loader takes SPIKE_EXP as its spike_exp argument)
SPIKE_EXP, STATE_EXP = (${SD_SPIKE_EXP}, ${SD_STATE_EXP}) if FIXED else (0, 0)


def encode(x):
    """The query as the input sends it: normalised, rounded to the payload in fixed point (half up, as
    spikec's Math.round), then the bias channel's constant."""
    v = np.asarray(x, dtype=float) * INPUT_SCALE + INPUT_OFFSET
    if FIXED:
        lim = 2 ** (PAYLOAD_BITS - 1)
        low = np.floor(v)
        v = np.clip(low + (v - low >= 0.5), -lim, lim - 1)
    return np.append(v, BIAS_CHANNEL) if BIAS_CHANNEL is not None else v


def weight_bits(w):
    """num_weight_bits that Lava's Dense truncates nothing of (a mixed-sign matrix keeps its lowest bit)."""
    return 9 if w.min() < 0 < w.max() else 8


def source_for(xs, stream=False):
    """Held: each query at step 0 (Lava's RingBuffer sends column 0 first), nothing after; queries side by
    side. Stream: query k's change from query k - 1 at step k, then nothing."""
    if stream:
        v = np.array([encode(x) for x in xs]).T
        data = np.zeros((v.shape[0], len(xs) + STEPS - 1))
        data[:, : len(xs)] = np.diff(v, axis=1, prepend=0)
    else:
        v = np.concatenate([encode(x) for x in xs])
        data = np.zeros((len(v), STEPS))
        data[:, 0] = v
    return RingBuffer(data=data.astype(np.int64) if FIXED else data)


def run_processes(xs, stream=False):
    """The queries through Dense, SigmaDelta and Sigma processes built here, all in one run: each query
    on its own copy of the network (block-diagonal weights), so none sees another's state; a stream on one."""
    source = source_for(xs, stream)
    copies = np.eye(1 if stream else len(xs), dtype=np.int64)
    prev, neurons = source.s_out, []
    for layer in LAYERS:
        w = layer["weights"]
        n = w.shape[0] * len(copies)
        weights = w.astype(np.int64) if FIXED else w
        # stored sparse: Lava's Sparse holds the nonzero weights only, as the hardware does
        block = scipy.sparse.kron(copies, weights, format="csr") if layer["sparse"] else np.kron(copies, weights)
        synapse = Sparse if layer["sparse"] else Dense
        dense = synapse(weights=block, weight_exp=layer["weight_exp"], num_weight_bits=weight_bits(w),
                        num_message_bits=${MESSAGE_BITS})
        if layer.get("sigma"):
            neuron = Sigma(shape=(n,))
        else:
            neuron = SigmaDelta(shape=(n,), vth=layer["vth"], bias=np.tile(layer["bias"], len(copies)),
                                act_mode=ActivationMode.RELU if layer["relu"] else ActivationMode.UNIT,
                                spike_exp=SPIKE_EXP, state_exp=STATE_EXP, num_message_bits=${MESSAGE_BITS})
        prev.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        prev = neuron.s_out
        neurons.append(neuron)
    return source, neurons


def run_netx(xs, path, stream=False):
    """One stream through the netx file, loaded as a Loihi user loads it."""
    from lava.lib.dl import netx

    net = netx.hdf5.Network(net_config=path, input_message_bits=PAYLOAD_BITS, spike_exp=SPIKE_EXP,
                            sparse_fc_layer=SPARSE)
    source = source_for(xs, stream)
    source.s_out.connect(net.inp)
    return source, [layer.neuron for layer in net.layers]


def watched(neurons):
    """The populations whose messages are read back: all with --rasters, else the readout only (a
    Monitor's data comes back one number at a time, the bulk of a run's time when all are watched)."""
    return neurons if RASTERS else neurons[-1:]


# what a neuron or synapse of Lava's holds from one step to the next: zero at the start of a run
STATE_VARS = ("sigma", "act", "residue", "a_buff")


def run_netx_held(xs, path):
    """Held queries through one network loaded from the netx file, one after another: each query runs
    its STEPS steps, then every neuron's and synapse's state goes back to 0 (and the error it
    accumulates, where it does), so that each query starts as on a network of its own."""
    from lava.lib.dl import netx

    net = netx.hdf5.Network(net_config=path, input_message_bits=PAYLOAD_BITS, spike_exp=SPIKE_EXP,
                            sparse_fc_layer=SPARSE)
    data = np.zeros((len(encode(xs[0])), len(xs) * STEPS))
    for r, x in enumerate(xs):
        data[:, r * STEPS] = encode(x)
    source = RingBuffer(data=data.astype(np.int64) if FIXED else data)
    source.s_out.connect(net.inp)
    neurons = [layer.neuron for layer in net.layers]
    monitors = []
    for neuron in watched(neurons):
        monitors.append(Monitor())
        monitors[-1].probe(neuron.s_out, len(xs) * STEPS)
    stateful = [p for layer in net.layers for p in (layer.neuron, getattr(layer, "synapse", None)) if p is not None]
    exceptions = {SigmaDelta: FIXED_MODEL} if FIXED else {}
    cfg = Loihi2SimCfg(select_tag=TAG, exception_proc_model_map=exceptions)
    for r in range(len(xs)):
        if r:
            for p in stateful:
                names = STATE_VARS + (("error",) if getattr(p, "cum_error", None) and p.cum_error.init else ())
                for var in (getattr(p, name, None) for name in names):
                    if var is not None:
                        var.set(np.zeros(var.shape))
        source.run(condition=RunSteps(num_steps=STEPS), run_cfg=cfg)
    sent = [m.get_data()[n.name]["s_out"].reshape(len(xs), STEPS, -1) for m, n in zip(monitors, watched(neurons))]
    source.stop()
    outputs = [(READ_SCALE * sent[-1][r, -1] + READ_OFFSET).tolist() for r in range(len(xs))]
    rasters = [{name: s[r].tolist() for name, s in zip(POPULATIONS, sent[:-1])} for r in range(len(xs))] * RASTERS
    return outputs, rasters


def run_once(source, neurons, rows, stream=False):
    """Runs the queries (STEPS steps, or the stream's); per query its outputs, and per copy of the network
    each population's messages per step."""
    steps = rows + STEPS - 1 if stream else STEPS
    copies = 1 if stream else rows
    monitors = []
    for neuron in watched(neurons):
        monitors.append(Monitor())
        monitors[-1].probe(neuron.s_out, steps)
    # the corrected model: the bits a fixed-point message drops are sent later, not lost (see above)
    exceptions = {SigmaDelta: FIXED_MODEL} if FIXED else {}
    source.run(condition=RunSteps(num_steps=steps),
               run_cfg=Loihi2SimCfg(select_tag=TAG, exception_proc_model_map=exceptions))
    sent = [m.get_data()[n.name]["s_out"].reshape(steps, copies, -1) for m, n in zip(monitors, watched(neurons))]
    source.stop()
    if stream:
        outputs = [(READ_SCALE * sent[-1][k + STEPS - 1, 0] + READ_OFFSET).tolist() for k in range(rows)]
    else:
        outputs = [(READ_SCALE * sent[-1][-1, r] + READ_OFFSET).tolist() for r in range(rows)]
    rasters = [{name: s[:, r].tolist() for name, s in zip(POPULATIONS, sent[:-1])} for r in range(copies)] * RASTERS
    return outputs, rasters


def run(xs, netx_file=None, stream=False):
    if stream and FIXED and not CORRECTED:
        sys.exit("--stream needs lava-nc's ${SD_FIXED_PROCESS_MODEL} (lava-nc/lava#875, after the 0.10.0 "
                 "release): install lava-nc from its source; held queries run on this lava-nc")
    if stream:
        built = run_netx(xs, netx_file, True) if netx_file else run_processes(xs, True)
        return run_once(*built, len(xs), True)
    return run_netx_held(xs, netx_file) if netx_file else run_once(*run_processes(xs), len(xs))


${pyHost(chain)}

${pyMain('run(chunk, netx_file, "--stream" in sys.argv)', 'the message of every neuron at every step', {
  flags: ['--rasters', '--stream'],
  whole: '"--stream" in sys.argv',
})}`;
}
