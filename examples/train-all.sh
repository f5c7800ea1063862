#!/usr/bin/env bash
# Regenerates the bundled pre-trained models under examples/<problem>/ with spikec's own trainer
# (deterministic: fixed seeds). Usage: examples/train-all.sh [problem ...]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(poisson1d poisson2d heat1d burgers1d navier-stokes2d poisson2d-spinn poisson1d-sin)
npm run --silent build
for p in "${problems[@]}"; do
  case "$p" in
    *-sin) node bin/spikec.js train "${p%-sin}" --act sin -o "examples/$p" ;;  # the same PDE with sin activations
    *) node bin/spikec.js train "$p" -o "examples/$p" ;;
  esac
done
