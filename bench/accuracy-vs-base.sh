#!/bin/bash
# SNN vs exact of the default compile of every bundled model, float and Loihi 2 integer, by a base
# commit (default c343494, issue 15's reference) and by this checkout, each verified by this
# checkout's simulator on the problem's test grid. The float network is the IR printed after the
# pipeline's last pass (fold-weights), the integer one what --target loihi2 writes.
# usage: bash bench/accuracy-vs-base.sh [BASE]: one line per model and build, about 17 min on 2 cores;
# bench/results/accuracy-vs-base.md tabulates the lines of the last run
set -euo pipefail
base=${1:-c343494}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
git -C "$root" worktree add -f "$work/base" "$base" > /dev/null 2>&1
ln -s "$root/node_modules" "$work/base/node_modules"
(cd "$work/base" && npx tsc -p tsconfig.build.json)
error() { node "$root/bin/spikec.js" verify "$1" --reference "$2" --json 2> /dev/null |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).snn_vs_exact))'; }
for m in poisson1d poisson1d-sin poisson2d heat1d burgers1d navier-stokes2d poisson2d-spinn; do
  for build in base head; do
    bin=$([ $build = base ] && echo "$work/base/bin/spikec.js" || echo "$root/bin/spikec.js")
    node "$bin" compile "$root/examples/$m" --target loihi2 -o "$work/$build-$m.int.sir" \
      --print-ir-after fold-weights --print-weights 2> /dev/null |
      awk '/IR Dump After fold-weights/ { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }' \
        > "$work/$build-$m.float.sir"
    label=$([ $build = base ] && echo "$base" || git -C "$root" rev-parse --short HEAD)
    echo "$m $label float $(error "$work/$build-$m.float.sir" "$root/examples/$m")" \
      "integer $(error "$work/$build-$m.int.sir" "$root/examples/$m")"
  done
done
git -C "$root" worktree remove --force "$work/base"
