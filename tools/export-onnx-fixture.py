"""Trains a small PINN in PyTorch on the 2-D Poisson problem and exports it as spikec's ONNX fixtures do.

    -(u_xx + u_yy) = 2 pi^2 sin(pi x) sin(pi y) on [0, 1]^2, u = 0 on the boundary; exact sin(pi x) sin(pi y)

Writes DIR/NAME.onnx (torch.onnx.export, opset 17, a dynamic batch axis) and DIR/NAME.reference.json
(64 seeded inputs in [0, 1]^2 and PyTorch's outputs on them). Run with Debian's python3 (python3-torch):

    /usr/bin/python3 tools/export-onnx-fixture.py --act gelu --out test/fixtures/onnx --name poisson2d_gelu
"""
import argparse
import json
import math
import os

import torch

ACTIVATIONS = {
    'tanh': torch.nn.Tanh,
    'gelu': torch.nn.GELU,
    'gelu_tanh': lambda: torch.nn.GELU(approximate='tanh'),
    'elu': torch.nn.ELU,
    'silu': torch.nn.SiLU,
}


def model_for(act: str, width: int, depth: int) -> torch.nn.Sequential:
    layers, fan_in = [], 2
    for _ in range(depth):
        layers += [torch.nn.Linear(fan_in, width), ACTIVATIONS[act]()]
        fan_in = width
    return torch.nn.Sequential(*layers, torch.nn.Linear(fan_in, 1))


def residual(model: torch.nn.Module, xy: torch.Tensor) -> torch.Tensor:
    xy = xy.requires_grad_(True)
    u = model(xy)
    (g,) = torch.autograd.grad(u.sum(), xy, create_graph=True)
    u_xx = torch.autograd.grad(g[:, 0].sum(), xy, create_graph=True)[0][:, 0]
    u_yy = torch.autograd.grad(g[:, 1].sum(), xy, create_graph=True)[0][:, 1]
    f = 2 * math.pi**2 * torch.sin(math.pi * xy[:, 0]) * torch.sin(math.pi * xy[:, 1])
    return -(u_xx + u_yy) - f


def boundary(n: int, gen: torch.Generator) -> torch.Tensor:
    """n points on the unit square's edges: x = 0, x = 1, y = 0 or y = 1, the other coordinate uniform."""
    t = torch.rand(n, generator=gen)
    side = torch.randint(0, 4, (n,), generator=gen)
    fixed = (side % 2).float()  # 0 or 1: the edge's coordinate
    on_x = side < 2  # sides 0, 1: x fixed; sides 2, 3: y fixed
    return torch.stack([torch.where(on_x, fixed, t), torch.where(on_x, t, fixed)], dim=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--act', choices=sorted(ACTIVATIONS), required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--name', required=True)
    ap.add_argument('--width', type=int, default=32)
    ap.add_argument('--depth', type=int, default=3)
    ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(a.seed)
    model = model_for(a.act, a.width, a.depth)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=(1e-2) ** (1 / a.steps))
    for step in range(a.steps):
        if step % 100 == 0:
            interior, edge = torch.rand(1024, 2, generator=gen), boundary(256, gen)
        loss = residual(model, interior.clone()).pow(2).mean() + 100 * model(edge).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    g = torch.linspace(0, 1, 100)
    grid = torch.cartesian_prod(g, g)
    with torch.no_grad():
        exact = torch.sin(math.pi * grid[:, 0]) * torch.sin(math.pi * grid[:, 1])
        err = (model(grid)[:, 0] - exact).norm() / exact.norm()
    print(f'{a.name}: {a.depth}x{a.width} {a.act}, loss {loss.item():.3e}, relative L2 error vs exact {err:.3e}')
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, f'{a.name}.onnx')
    torch.onnx.export(
        model, torch.zeros(1, 2), path, opset_version=17, input_names=['x'], output_names=['u'],
        dynamic_axes={'x': {0: 'batch'}, 'u': {0: 'batch'}},
    )
    inputs = torch.rand(64, 2, generator=torch.Generator().manual_seed(1234))
    with torch.no_grad():
        outputs = model(inputs)
    with open(os.path.join(a.out, f'{a.name}.reference.json'), 'w') as f:
        json.dump({'model': f'{a.name}.onnx', 'inputs': inputs.tolist(), 'outputs': outputs.tolist()}, f)


if __name__ == '__main__':
    main()
