import { type Graph, VOLTAGE_SCALE } from '../ir/index.js';
import { effectiveWeights, snnChain, weightShape } from './chain.js';

const pyList = (v: readonly number[]): string =>
  `[${v.map((x) => (Number.isInteger(x) ? `${x}` : x.toPrecision(9))).join(', ')}]`;
const pyMatrix = (v: readonly number[], rows: number, cols: number): string => {
  const lines = Array.from({ length: rows }, (_, r) => `        ${pyList(v.slice(r * cols, (r + 1) * cols))},`);
  return `np.array([\n${lines.join('\n')}\n    ])`;
};
const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/**
 * A standalone Python script that builds the compiled network from Lava processes (RingBuffer
 * source, Dense synapses, a small IF process for spikec's neurons with subtract or zero reset and
 * unsigned or ternary spikes, and a windowed accumulator for the readout), runs it on Lava's CPU
 * backend and prints the decoded outputs. Fixed-point networks run in their integer units.
 */
export function lavaScript(g: Graph): string {
  const chain = snnChain(g, 'lava-py');
  const e = chain.encoder;
  const norm = e.normalization ?? { scale: Array(e.dims).fill(1), offset: Array(e.dims).fill(0) };
  const readout = chain.layers[chain.layers.length - 1].target;
  const window = readout.kind === 'snn.readout' ? readout.window : [0, 1];
  const layers = chain.layers.map(({ synapse, target }, k) => {
    const [out, inW] = weightShape(synapse);
    const W = pyMatrix(effectiveWeights(synapse), out, inW);
    if (target.kind === 'snn.neurons') {
      const fixed = target.arith === 'fixed';
      const bias = target.bias.data.map((b) => (fixed ? (b * 2 ** (target.biasExp ?? 0)) / VOLTAGE_SCALE : b));
      const v0 = target.initialV.data.map((v) => (fixed ? v / VOLTAGE_SCALE : v));
      const gt = fixed ? 'strict=True' : 'strict=False';
      const args = [
        `shape=(${out},)`,
        `vth=${target.threshold}`,
        `bias=np.array(${pyList(bias)})`,
        `v0=np.array(${pyList(v0)})`,
        `subtract=${pyBool(target.reset === 'subtract')}`,
        `signed=${pyBool(target.spikeSign === 'signed')}`,
        gt,
      ];
      return (
        `    dense${k} = Dense(weights=${W})\n    neurons${k} = SpikecIF(${args.join(', ')})\n` +
        `    procs.append((dense${k}, neurons${k}))`
      );
    }
    const t = target as Extract<typeof target, { kind: 'snn.readout' }>;
    const args = [
      `shape=(${out},)`,
      `start=${window[0]}`,
      `stop=${window[1]}`,
      `scale=np.array(${pyList(t.scale.data)})`,
      `offset=np.array(${pyList(t.offset.data)})`,
    ];
    return (
      `    dense${k} = Dense(weights=${W})\n    readout = WindowedReadout(${args.join(', ')})\n` +
      `    procs.append((dense${k}, readout))`
    );
  });
  return `#!/usr/bin/env python3
"""${g.name}: a spiking network compiled by spikec, built from Lava processes.

Usage: python3 ${g.name}.py [INPUTS.json]   (a JSON list of input rows; default: the centre of the domain)
Runs each input for ${window[1]} steps on Lava's CPU backend (Loihi2SimCfg) and prints the decoded outputs.
Requires lava-nc (pip install lava-nc). Generated file: edit the spikec model, not this script.
"""
import json
import sys

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
INPUT_SCALE = np.array(${pyList(norm.scale)})
INPUT_OFFSET = np.array(${pyList(norm.offset)})
DOMAIN = ${JSON.stringify(e.domain ?? Array.from({ length: e.dims }, () => [0, 1]))}


class SpikecIF(AbstractProcess):
    """Integrate-and-fire: v += a_in + bias; spike +1 where v >= vth (v > vth when strict), -1 where
    v <= -vth for ternary neurons; reset by subtracting the spike's vth, or to zero."""

    def __init__(self, shape, vth, bias, v0, subtract, signed, strict):
        super().__init__(shape=shape, vth=vth, bias=bias, v0=v0, subtract=subtract, signed=signed, strict=strict)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.v = Var(shape=shape, init=v0)
        self.bias = Var(shape=shape, init=bias)
        self.vth = Var(shape=(1,), init=vth)


@implements(proc=SpikecIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySpikecIFModel(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)
    vth: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self):
        p = self.proc_params
        self.v += self.a_in.recv() + self.bias
        up = self.v > self.vth if p["strict"] else self.v >= self.vth
        down = (self.v < -self.vth if p["strict"] else self.v <= -self.vth) if p["signed"] else np.zeros_like(up)
        s = up.astype(float) - down.astype(float)
        self.v = self.v - s * self.vth if p["subtract"] else np.where(s != 0, 0.0, self.v)
        self.s_out.send(s)


class WindowedReadout(AbstractProcess):
    """y = scale * mean of a_in over steps [start, stop) + offset (a non-spiking accumulator)."""

    def __init__(self, shape, start, stop, scale, offset):
        super().__init__(shape=shape, start=start, stop=stop)
        self.a_in = InPort(shape=shape)
        self.acc = Var(shape=shape, init=np.zeros(shape))
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
        a = self.a_in.recv()
        # Lava counts steps from 1; spikec's step t is Lava's t + 1
        if self.proc_params["start"] <= self.time_step - 1 < self.proc_params["stop"]:
            self.acc += a


def build(x):
    """The network for one input row x."""
    current = np.asarray(x, dtype=float) * INPUT_SCALE + INPUT_OFFSET
    # spikec's encoder drives the first synapse every step; Lava's RingBuffer sends column (t-1) mod T at step t
    source = RingBuffer(data=np.tile(current[:, None], (1, STEPS)))
    procs = []
${layers.join('\n')}
    prev = source.s_out
    for dense, target in procs:
        prev.connect(dense.s_in)
        dense.a_out.connect(target.a_in)
        prev = getattr(target, "s_out", None)
    return source, readout


def run(x):
    source, readout = build(x)
    source.run(condition=RunSteps(num_steps=STEPS), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
    acc = readout.acc.get()
    scale, offset = readout.scale.get(), readout.offset.get()
    source.stop()
    return (scale * acc / (${window[1]} - ${window[0]}) + offset).tolist()


def main():
    rows = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else [[(lo + hi) / 2 for lo, hi in DOMAIN]]
    rows = rows["inputs"] if isinstance(rows, dict) else rows
    print(json.dumps({"outputs": [run(r) for r in rows]}))


if __name__ == "__main__":
    main()
`;
}
