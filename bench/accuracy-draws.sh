#!/bin/bash
# poisson2d's default compile (--target loihi2) by a base commit (default c343494, issue 15's reference)
# and by this checkout, on N draws of the 256 calibration inputs (uniform on the problem's domain,
# seeds 1..N, passed to both builds with --calib-inputs); SNN vs exact of the float network (the IR
# after the pipeline's last pass) and of the Loihi 2 integer one, verified by this checkout's simulator
# on the 10,000-point test grid. One number per build and draw shows quantization luck as much as
# the method: this shows the spread.
# usage: bash bench/accuracy-draws.sh [BASE] [N]: one line per draw and build (about 1 min per draw on 2 cores)
set -euo pipefail
base=${1:-c343494}
draws=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
git -C "$root" worktree add -f "$work/base" "$base" > /dev/null 2>&1
ln -s "$root/node_modules" "$work/base/node_modules"
(cd "$work/base" && npx tsc -p tsconfig.build.json)
model="$root/examples/poisson2d"
error() { node "$root/bin/spikec.js" verify "$1" --reference "$model" --json 2> /dev/null |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).snn_vs_exact))'; }
for seed in $(seq 1 "$draws"); do
  node --input-type=module -e "
    const { Rng } = await import('$root/dist/src/sim/rng.js');
    console.log(JSON.stringify(new Rng($seed).box([[0, 1], [0, 1]], 256)));" > "$work/calib-$seed.json"
  for build in base head; do
    bin=$([ $build = base ] && echo "$work/base/bin/spikec.js" || echo "$root/bin/spikec.js")
    node "$bin" compile "$model" --calib-inputs "$work/calib-$seed.json" --target loihi2 -o "$work/$build.int.sir" \
      --print-ir-after fold-weights --print-weights 2> /dev/null |
      awk '/IR Dump After fold-weights/ { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }' \
        > "$work/$build.float.sir"
    label=$([ $build = base ] && echo "$base" || git -C "$root" rev-parse --short HEAD)
    echo "draw $seed $label float $(error "$work/$build.float.sir") integer $(error "$work/$build.int.sir")"
  done
done
git -C "$root" worktree remove --force "$work/base"
