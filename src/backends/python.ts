/** Python source for numbers and arrays, read back exactly. */
import type { SnnChain } from './chain.js';

/** A number as Python reads back the same float64 (JavaScript's shortest round-trip form). */
export const pyNum = (x: number): string => (Object.is(x, -0) ? '-0.0' : String(x));
export const pyList = (v: readonly number[]): string => `[${v.map(pyNum).join(', ')}]`;
export const pyMatrix = (v: readonly number[], rows: number, cols: number): string => {
  const lines = Array.from({ length: rows }, (_, r) => `        ${pyList(v.slice(r * cols, (r + 1) * cols))},`);
  return `np.array([\n${lines.join('\n')}\n    ])`;
};

/**
 * The command line both Lava scripts share: INPUTS.json (rows, or {"inputs": rows}; default the centre
 * of DOMAIN), --rasters, --netx FILE; `run` is the Python expression that runs `rows` (with `netx_file`)
 * and gives (outputs, rasters); `rasters` says what a raster holds.
 */
export const pyMain = (run: string, rasters: string, flags: readonly string[] = ['--rasters']): string => `def main():
    args = sys.argv[1:]
    netx_file = None
    if "--netx" in args:
        at = args.index("--netx")
        netx_file = args[at + 1]
        del args[at : at + 2]
    args = [a for a in args if a not in (${flags.map((f) => JSON.stringify(f)).join(', ')},)]
    rows = json.load(open(args[0])) if args else [[(lo + hi) / 2 for lo, hi in DOMAIN]]
    rows = rows["inputs"] if isinstance(rows, dict) else rows
    outputs, rasters = ${run}
    result = {"outputs": [host(y) for y in outputs]}
    if "--rasters" in sys.argv:
        # per input, per population: ${rasters}
        result["rasters"] = rasters
    print(json.dumps(result))


if __name__ == "__main__":
    main()
`;

/**
 * `host(y)`: the ops spikec runs on the host after the readout (SnnChain.host), on one decoded readout
 * row, in spikec's own order of float64 operations (ann-eval's), so its outputs are spikec's exactly;
 * the identity where there are none.
 */
export function pyHost(chain: SnnChain): string {
  const readout = chain.layers[chain.layers.length - 1].target.id;
  const ops = chain.host.length ? chain.host.map((o) => o.kind).join(', ') : 'nothing';
  const lines = chain.host.map((op) => {
    const [x, ...more] = op.inputs.map((i) => `v[${JSON.stringify(i)}]`);
    const value =
      op.kind === 'ann.slice'
        ? `${x}[${op.start}:${op.stop}]`
        : op.kind === 'ann.product'
          ? `product([${[x, ...more].join(', ')}], ${op.rank})`
          : [x, ...more].join(' + ');
    return `    v[${JSON.stringify(op.id)}] = ${value}`;
  });
  return `def product(xs, rank):
    """spikec's ann.product: y[j] = sum over k < rank of the product over xs of x[j rank + k]."""
    out = []
    for j in range(len(xs[0]) // rank):
        s = 0.0
        for k in range(rank):
            p = 1.0
            for x in xs:
                p *= x[j * rank + k]
            s += p
        out.append(s)
    return out


def host(y):
    """What spikec runs on the host after the readout (${ops}), on one decoded row."""
    v = {${JSON.stringify(readout)}: list(y)}
${lines.join('\n')}
    return v[${JSON.stringify(chain.output.inputs[0])}]
`;
}
