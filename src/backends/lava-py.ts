import { type Graph, IrError, type NodeOf, VOLTAGE_SCALE } from '../ir/index.js';
import { isSigmaDelta, snnChain, weightShape } from './chain.js';
import { lavaSigmaDeltaScript } from './lava-py-sd.js';
import { PY_BATCH_ROWS, PY_NETX_BATCH_ROWS, pyHost, pyList, pyMain, pyMatrix, pyNum } from './python.js';

const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** Weights as the Dense process holds them: integer mantissas (the exponent shifts the sum later), or reals. */
function denseWeights(s: NodeOf<'snn.synapse'>): { values: readonly number[]; exponent: string } {
  return s.weight.kind === 'int'
    ? { values: s.weight.mantissa.data, exponent: String(s.weight.exponent) }
    : { values: s.weight.values.data, exponent: 'None' };
}

/**
 * A standalone Python script that builds the compiled network from Lava processes (RingBuffer
 * source, Dense synapses carrying graded values, a small IF process for spikec's neurons with
 * subtract or zero reset and unsigned or ternary spikes, and a windowed accumulator for the readout),
 * runs it on Lava's CPU backend and prints the decoded outputs as `spikec eval` does. It computes
 * what the snn.neurons docstring states: fixed-point networks in their integer units (inputs rounded
 * to the encoder's payload, sums shifted by the weight exponent and floored, a_in << 6, 24-bit
 * wrap and saturation, v > vth << 6), float networks in float64, each sum in spikec's order.
 */
/** What a raster of the script holds. */
const RASTER = 'spikes (+1, -1 or 0) of every neuron at every step';

export function lavaScript(g: Graph): string {
  if (isSigmaDelta(g)) return lavaSigmaDeltaScript(g);
  const chain = snnChain(g, 'lava-py');
  // Lava's processes integrate from step 0 and its IF fires at the threshold in float: a network built
  // for a format without synaptic delay (NIR) would run differently
  const zeroDelay = chain.layers.flatMap(({ target: t }) =>
    t.kind === 'snn.neurons' && (t.onset || t.fireAbove) ? [`%${t.id}`] : [],
  );
  if (zeroDelay.length)
    throw new IrError(
      `lava-py: ${zeroDelay.join(', ')} rest until their input arrives or fire above threshold (a network ` +
        'built for nir): compile for lava-py',
    );
  const e = chain.encoder;
  const norm = e.normalization ?? { scale: Array(e.dims).fill(1), offset: Array(e.dims).fill(0) };
  const readout = chain.layers[chain.layers.length - 1].target;
  const window = readout.kind === 'snn.readout' ? readout.window : [0, 1];
  const payload = e.mode === 'graded' && e.payloadBits ? e.payloadBits : 0;
  const layers = chain.layers.map(({ synapse, target }, k) => {
    const [out, inW] = weightShape(synapse);
    const w = denseWeights(synapse);
    const dense = `    dense${k} = Dense(weights=${pyMatrix(w.values, out, inW)}, num_message_bits=24)\n`;
    if (target.kind === 'snn.neurons') {
      const fixed = target.arith === 'fixed';
      const bias = target.bias.data.map((b) => (fixed ? b * 2 ** (target.biasExp ?? 0) : b));
      const args = [
        `shape=(${out},)`,
        `vth=${pyNum(fixed ? target.threshold * VOLTAGE_SCALE : target.threshold)}`,
        `bias=np.array(${pyList(bias)})`,
        `v0=np.array(${pyList(target.initialV.data)})`,
        `subtract=${pyBool(target.reset === 'subtract')}`,
        `signed=${pyBool(target.spikeSign === 'signed')}`,
        `fixed=${pyBool(fixed)}`,
        `weight_exp=${w.exponent}`,
        `name=${JSON.stringify(target.id)}`,
        'rows=rows',
      ];
      return `${dense}    neurons${k} = SpikecIF(${args.join(', ')})\n    procs.append((dense${k}, neurons${k}))`;
    }
    const t = target as Extract<typeof target, { kind: 'snn.readout' }>;
    const args = [
      `shape=(${out},)`,
      `start=${window[0]}`,
      `stop=${window[1]}`,
      `scale=np.array(${pyList(t.scale.data)})`,
      `offset=np.array(${pyList(t.offset.data)})`,
      `weight_exp=${w.exponent}`,
      'rows=rows',
    ];
    return `${dense}    readout = WindowedReadout(${args.join(', ')})\n    procs.append((dense${k}, readout))`;
  });
  return `#!/usr/bin/env python3
"""${g.name}: a spiking network compiled by spikec, built from Lava processes.

Usage: python3 ${g.name}.py [INPUTS.json] [--rasters] [--netx ${g.name}.net.h5] [--batch N] [--out FILE] [--quiet]
INPUTS.json: a JSON list of input rows, or {"inputs": rows}, as for \`spikec eval --inputs\` (default: the
centre of the domain). Runs the inputs one after another, ${window[1]} steps each, in runs of Lava's CPU
backend (Loihi2SimCfg) of N rows each (--batch, default ${PY_BATCH_ROWS}, ${PY_NETX_BATCH_ROWS} with --netx: memory
stays bounded however many rows there are) and prints {"outputs": [[...], ...]}, equal to \`spikec eval\`
of the compiled network; --rasters
adds each population's spikes at every step, equal to \`spikec sim --trace --json\`. A line on stderr after
each batch says how far it got (--quiet: none); --out FILE writes the result so far there after each batch
(whole, with "rows" done "of" all) instead of printing it at the end.
--netx FILE runs the same rows through the lava-dl netx file of this network instead (written by
\`spikec compile --target lava-netx\`, which compiles within what netx runs), with the same output.
Requires lava-nc (pip install lava-nc). Generated file: edit the spikec model, not this script.
"""
import json
import multiprocessing
import os
import sys
import time
import traceback

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer

STEPS = ${window[1]}
RASTERS = "--rasters" in sys.argv
INPUT_SCALE = np.array(${pyList(norm.scale)})
INPUT_OFFSET = np.array(${pyList(norm.offset)})
PAYLOAD_BITS = ${payload}
DOMAIN = ${JSON.stringify(e.domain ?? Array.from({ length: e.dims }, () => [0, 1]))}
POPULATIONS = ${JSON.stringify(chain.layers.filter((l) => l.target.kind === 'snn.neurons').map((l) => l.target.id))}


def synaptic_input(a, weight_exp):
    """The summed input of a synapse: Dense sums integer mantissas; the exponent scales the sum, floored."""
    if weight_exp is None:
        return a
    return a * 2.0**weight_exp if weight_exp >= 0 else np.floor(a / 2.0**-weight_exp)


def block_step(time_step):
    """Which input row a Lava step belongs to, and spikec's step t within that row's run.

    Every row runs for STEPS steps, one row after another in one Lava run; Lava counts steps from 1."""
    return divmod(time_step - 1, STEPS)


class SpikecIF(AbstractProcess):
    """spikec's snn.neurons (model if). float: v = (v + a) + bias, spike +1 where v >= vth, -1 where
    v <= -vth for ternary neurons. fixed (Loihi units): u = a << 6 wrapped to 24 bits, v = (v + u) + bias
    saturated at +-(2^23 - 1), spike where v > vth (vth already << 6). Reset by subtracting the spike's
    vth, or to zero. At t = 0 of each row, v starts again from v0 and a_0 = 0 (what the previous row's
    last spikes sent is dropped), so each row runs as if alone."""

    def __init__(self, shape, vth, bias, v0, subtract, signed, fixed, weight_exp, name, rows):
        super().__init__(
            shape=shape, vth=vth, bias=bias, v0=v0, subtract=subtract, signed=signed, fixed=fixed,
            weight_exp=weight_exp, name=name,
        )
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.v = Var(shape=shape, init=v0)
        self.v0 = Var(shape=shape, init=v0)
        self.raster = Var(shape=(rows * STEPS,) + tuple(shape), init=np.zeros((rows * STEPS,) + tuple(shape)))
        self.bias = Var(shape=shape, init=bias)
        self.vth = Var(shape=(1,), init=vth)


@implements(proc=SpikecIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySpikecIFModel(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    v0: np.ndarray = LavaPyType(np.ndarray, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)
    vth: np.ndarray = LavaPyType(np.ndarray, float)
    raster: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self):
        p = self.proc_params
        a = synaptic_input(self.a_in.recv(), p["weight_exp"])
        if block_step(self.time_step)[1] == 0:
            a = np.zeros_like(a)
            self.v = self.v0.copy()
        if p["fixed"]:
            u = a * 64
            u = np.where(u > 2**23, u - 2**24, np.where(u <= -(2**23), u + 2**24, u))
            v = np.clip((self.v + u) + self.bias, -(2**23 - 1), 2**23 - 1)
            up, down = v > self.vth, v < -self.vth
        else:
            v = (self.v + a) + self.bias
            up, down = v >= self.vth, v <= -self.vth
        if not p["signed"]:
            down = np.zeros_like(up)
        s = up.astype(float) - down.astype(float)
        self.v = v - s * self.vth if p["subtract"] else np.where(s != 0, 0.0, v)
        self.raster[self.time_step - 1] = s
        self.s_out.send(s)


class WindowedReadout(AbstractProcess):
    """y = scale * mean of a_in over steps [start, stop) + offset (a non-spiking accumulator)."""

    def __init__(self, shape, start, stop, scale, offset, weight_exp, rows):
        super().__init__(shape=shape, start=start, stop=stop, weight_exp=weight_exp)
        self.a_in = InPort(shape=shape)
        self.acc = Var(shape=(rows,) + tuple(shape), init=np.zeros((rows,) + tuple(shape)))
        self.scale = Var(shape=shape, init=scale)
        self.offset = Var(shape=shape, init=offset)


@implements(proc=WindowedReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyWindowedReadoutModel(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    acc: np.ndarray = LavaPyType(np.ndarray, float)
    scale: np.ndarray = LavaPyType(np.ndarray, float)
    offset: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self):
        a = synaptic_input(self.a_in.recv(), self.proc_params["weight_exp"])
        row, t = block_step(self.time_step)
        if self.proc_params["start"] <= t < self.proc_params["stop"]:
            self.acc[row] += a


def encode(x):
    """The encoder's value for one input row: normalised, then rounded to the graded payload (if any)."""
    current = np.asarray(x, dtype=float) * INPUT_SCALE + INPUT_OFFSET
    if PAYLOAD_BITS:
        lim = 2 ** (PAYLOAD_BITS - 1)
        low = np.floor(current)  # round half up, exactly (as spikec's Math.round)
        current = np.clip(low + (current - low >= 0.5), -lim, lim - 1)
    return current


def build(xs):
    """The network for input rows xs, each driving the encoder for STEPS steps, one after another."""
    rows = len(xs)
    # spikec's encoder drives the first synapse every step; Lava's RingBuffer sends column t - 1 at step t
    source = RingBuffer(data=np.concatenate([np.tile(encode(x)[:, None], (1, STEPS)) for x in xs], axis=1))
    procs = []
${layers.join('\n')}
    prev = source.s_out
    for dense, target in procs:
        prev.connect(dense.s_in)
        dense.a_out.connect(target.a_in)
        prev = getattr(target, "s_out", None)
    return source, readout, [target for _, target in procs if isinstance(target, SpikecIF)]


def run(xs):
    """The decoded outputs of every input row, and per row each population's spikes per step."""
    source, readout, populations = build(xs)
    source.run(condition=RunSteps(num_steps=len(xs) * STEPS), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
    acc = readout.acc.get()
    scale, offset = readout.scale.get(), readout.offset.get()
    # a Var comes back one number at a time: the spikes only when asked for
    raster = {p.proc_params["name"]: p.raster.get().astype(int) for p in populations} if RASTERS else {}
    source.stop()
    outputs = [((scale * acc[r]) / (${window[1]} - ${window[0]}) + offset).tolist() for r in range(len(xs))]
    rasters = [{name: s[r * STEPS : (r + 1) * STEPS].tolist() for name, s in raster.items()} for r in range(len(xs))]
    return outputs, rasters


def run_netx(xs, path):
    """The same rows through the lava-dl netx file spikec wrote for this network (--target lava-netx),
    loaded by netx.hdf5.Network as a Loihi user loads it, with Lava's own bit-accurate LIF and Dense
    processes (fixed_pt). One network runs every row: after a row's steps, one more step in which no
    neuron can fire (every v held at the floor of its 24 bits) takes in the row's last spikes, and
    then every u, v and synaptic buffer goes back to 0, so each row starts at rest as if alone (netx's
    own reset interval would carry one step of spikes into the next row). The readout, which netx
    cannot run, is decoded here from the file's readout group and the last layer's spikes."""
    import h5py
    from lava.lib.dl import netx
    from lava.proc.monitor.process import Monitor

    with h5py.File(path, "r") as f:
        weight = f["readout/weight"][()].astype(np.int64)
        scale, offset = f["readout/scale"][()], f["readout/offset"][()]
        start, stop = (int(t) for t in f["readout/window"][()])
        steps = int(f["simulation/tSample"][()])
    period = steps + 1
    net = netx.hdf5.Network(net_config=path, input_message_bits=PAYLOAD_BITS)
    data = [np.tile(encode(x).astype(np.int64)[:, None], (1, period)) for x in xs]
    source = RingBuffer(data=np.concatenate(data, axis=1))
    source.s_out.connect(net.inp)
    # the readout needs the last layer's spikes; a Monitor's data comes back one number at a time
    watched = net.layers if RASTERS else net.layers[-1:]
    monitors = []
    for layer in watched:
        monitors.append(Monitor())
        monitors[-1].probe(layer.neuron.s_out, len(xs) * period)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    for _ in xs:
        net.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)
        for layer in net.layers:
            layer.neuron.v.set(np.full(layer.neuron.v.shape, -(2**23 - 1)))
        net.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
        for layer in net.layers:
            for var in (layer.neuron.u, layer.neuron.v, layer.synapse.a_buff):
                var.set(np.zeros(var.shape))
    spikes = [m.get_data()[layer.neuron.name]["s_out"].astype(int) for m, layer in zip(monitors, watched)]
    net.stop()
    outputs, rasters = [], []
    for r in range(len(xs)):
        rows = [s[r * period : r * period + steps] for s in spikes]
        counts = rows[-1][start - 1 : stop - 1].sum(axis=0)
        outputs.append(((scale * (weight @ counts)) / (stop - start) + offset).tolist())
        rasters.append({name: s.tolist() for name, s in zip(POPULATIONS, rows)} if RASTERS else {})
    return outputs, rasters


${pyHost(chain)}

${pyMain('run_netx(chunk, netx_file) if netx_file else run(chunk)', RASTER)}`;
}
