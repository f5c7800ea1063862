"""Runs a spikec lava-netx file in Lava as a netx user would, one input row at a time.

usage: /usr/bin/python3 tools/netx_run.py NET.net.h5 ROWS.json [--rasters]
(PYTHONPATH: ../shared/oracles/lava). Loads the file with netx.hdf5.Network and input_message_bits
from its `input` group, feeds each row as graded spikes round(x * scale + offset) every step, runs
`simulation/tSample` steps with Loihi2SimCfg(select_tag="fixed_pt"), and decodes the `readout`
group from the last layer's spikes. Prints {"outputs": [[...], ...]} (and, with --rasters, per row
each layer's spikes per step).
"""
import json
import sys

import h5py
import numpy as np
from lava.lib.dl import netx
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.source import RingBuffer
from lava.proc.monitor.process import Monitor


def encode(x, scale, offset, bits):
    """The graded input spikes of one row: round half up, as spikec's encoder, clipped to the payload."""
    current = np.asarray(x, dtype=float) * scale + offset
    lim = 2 ** (bits - 1)
    low = np.floor(current)
    return np.clip(low + (current - low >= 0.5), -lim, lim - 1).astype(np.int64)


def run_row(path, x, meta):
    steps = meta["steps"]
    net = netx.hdf5.Network(net_config=path, input_message_bits=meta["bits"])
    source = RingBuffer(data=np.tile(encode(x, meta["scale"], meta["offset"], meta["bits"])[:, None], (1, steps)))
    source.s_out.connect(net.inp)
    monitors = []
    for layer in net.layers:
        m = Monitor()
        m.probe(layer.neuron.s_out, steps)
        monitors.append(m)
    net.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
    rasters = [m.get_data()[layer.neuron.name]["s_out"].astype(int) for m, layer in zip(monitors, net.layers)]
    net.stop()
    return rasters


def main():
    path, rows_file = sys.argv[1], sys.argv[2]
    rows = json.load(open(rows_file))
    rows = rows["inputs"] if isinstance(rows, dict) else rows
    with h5py.File(path, "r") as f:
        meta = {
            "scale": f["input/scale"][()],
            "offset": f["input/offset"][()],
            "bits": int(f["input/payloadBits"][()]),
            "steps": int(f["simulation/tSample"][()]),
        }
        weight = f["readout/weight"][()].astype(np.int64)
        r_scale, r_offset = f["readout/scale"][()], f["readout/offset"][()]
        t0, t1 = (int(t) for t in f["readout/window"][()])
    outputs, all_rasters = [], []
    for x in rows:
        rasters = run_row(path, x, meta)
        last = rasters[-1]
        counts = last[t0 - 1 : t1 - 1].sum(axis=0)
        total = weight @ counts
        outputs.append(((r_scale * total) / (t1 - t0) + r_offset).tolist())
        all_rasters.append([r.tolist() for r in rasters])
    result = {"outputs": outputs}
    if "--rasters" in sys.argv:
        result["rasters"] = all_rasters
    print(json.dumps(result))


if __name__ == "__main__":
    main()
