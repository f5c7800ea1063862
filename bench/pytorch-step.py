"""Time per Adam step of the poisson2d PINN in PyTorch, one thread: the problem and network spikec train uses.

    -(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on [0, 1]^2, u = 0 on the boundary
    3x32 tanh, 1000 interior and 400 boundary points, loss = mean residual^2 + 10 mean boundary^2, Adam

Run by `npm run bench -- --only=training` with Debian's python3 (python3-torch); prints one JSON object.
"""
import json
import math
import sys
import time

import torch

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
torch.set_num_threads(1)
torch.manual_seed(0)
layers, fan_in = [], 2
for _ in range(3):
    layers += [torch.nn.Linear(fan_in, 32), torch.nn.Tanh()]
    fan_in = 32
model = torch.nn.Sequential(*layers, torch.nn.Linear(fan_in, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
interior = torch.rand(1000, 2)
t = torch.rand(100)
edge = torch.cat([torch.stack([t * 0, t], 1), torch.stack([t * 0 + 1, t], 1),
                  torch.stack([t, t * 0], 1), torch.stack([t, t * 0 + 1], 1)])


def loss_fn():
    xy = interior.clone().requires_grad_(True)
    u = model(xy)
    (g,) = torch.autograd.grad(u.sum(), xy, create_graph=True)
    u_xx = torch.autograd.grad(g[:, 0].sum(), xy, create_graph=True)[0][:, 0]
    u_yy = torch.autograd.grad(g[:, 1].sum(), xy, create_graph=True)[0][:, 1]
    f = 2 * math.pi**2 * torch.sin(math.pi * xy[:, 0]) * torch.sin(math.pi * xy[:, 1])
    return (-(u_xx + u_yy) - f).pow(2).mean() + 10 * model(edge).pow(2).mean()


def step():
    opt.zero_grad()
    loss = loss_fn()
    loss.backward()
    opt.step()


for _ in range(5):
    step()
began = time.perf_counter()
for _ in range(STEPS):
    step()
ms = (time.perf_counter() - began) * 1000 / STEPS
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": STEPS, "ms_per_step": ms}))
