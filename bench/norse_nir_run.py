"""Runs a NIR file as a Norse user does, knowing nothing of spikec: nir.read, norse.torch.from_nir
(NIRTorch underneath), the module in float64, the same input row at every time step.

    python3 norse_nir_run.py NET.nir ROWS.json STEPS [RUN_STEPS]

Runs RUN_STEPS steps (default STEPS) and prints JSON:
    {"outputs": [[mean over the first STEPS steps of the Output, ...] per row],
     "spikes": [{IF node: [[step, neuron, neuron, ...], ...] (steps with spikes only)} per row]}.
Only NIR's own fields reach Norse; the spikec_* metadata groups are never read.
"""
import json
import sys

import nir
import torch
from nirtorch.nir_interpreter import _sanitize_name
from norse.torch import IAFCell
from norse.torch.utils.import_nir import from_nir


def run(path, rows, steps, run_steps):
    graph = nir.read(path)
    module = from_nir(graph).double()
    # NIRTorch names each module after its NIR node, sanitized for torch ("1.Tanh" -> "1_Tanh"): the
    # spikes are recorded under the NIR node's own name
    node_of = {_sanitize_name(name): name for name in graph.nodes}
    cells = {node_of.get(name, name): m for name, m in module.named_modules() if isinstance(m, IAFCell)}
    outputs, spikes = [], []
    for row in rows:
        seen = {name: [] for name in cells}
        step = [0]

        def hook(name):
            def record(_module, _inputs, result):
                z = result[0].detach().reshape(-1)
                fired = torch.nonzero(z).reshape(-1).tolist()
                if fired:
                    seen[name].append([step[0], *fired])

            return record

        handles = [m.register_forward_hook(hook(name)) for name, m in cells.items()]
        x = torch.tensor([row], dtype=torch.float64)
        state, total = None, None
        for t in range(run_steps):
            step[0] = t
            y, state = module(x, state)
            if t < steps:
                total = y.detach().clone() if total is None else total + y.detach()
        for h in handles:
            h.remove()
        outputs.append((total / steps).reshape(-1).tolist())
        spikes.append(seen)
    return {"outputs": outputs, "spikes": spikes}


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        rows = json.load(f)
    steps = int(sys.argv[3])
    print(json.dumps(run(sys.argv[1], rows, steps, int(sys.argv[4]) if len(sys.argv) > 4 else steps)))
