/** Python source for numbers and arrays, read back exactly. */
import type { SnnChain } from './chain.js';

/** A number as Python reads back the same float64 (JavaScript's shortest round-trip form). */
export const pyNum = (x: number): string => (Object.is(x, -0) ? '-0.0' : String(x));
export const pyList = (v: readonly number[]): string => `[${v.map(pyNum).join(', ')}]`;
export const pyMatrix = (v: readonly number[], rows: number, cols: number): string => {
  const lines = Array.from({ length: rows }, (_, r) => `        ${pyList(v.slice(r * cols, (r + 1) * cols))},`);
  return `np.array([\n${lines.join('\n')}\n    ])`;
};

/** Rows per Lava run: each batch builds its network afresh, so memory stays bounded whatever the row count. */
export const PY_BATCH_ROWS = 64;
/**
 * Rows per Lava run through the netx file: one network runs them one after another, so a batch costs
 * only its readout's recorded messages, and each network built costs seconds.
 */
export const PY_NETX_BATCH_ROWS = 256;

/**
 * The command line both Lava scripts share: INPUTS.json (rows, or {"inputs": rows}; default the centre
 * of DOMAIN), --rasters, --netx FILE, --batch N (rows per Lava run, PY_BATCH_ROWS by default, PY_NETX_BATCH_ROWS
 * with --netx), --out FILE
 * (the result so far written there after every batch, atomically, instead of printed at the end) and
 * --quiet (no progress lines on stderr). `run` is the Python expression that runs `chunk` (with
 * `netx_file`) and gives (outputs, rasters); `whole` says when all rows must run as one chunk (a
 * stream); `rasters` says what a raster holds.
 */
export const pyMain = (
  run: string,
  rasters: string,
  { flags = ['--rasters'], whole = 'False' }: { flags?: readonly string[]; whole?: string } = {},
): string => `def option(args, name, default=None):
    """The value after NAME in args (removing both), or default."""
    if name not in args:
        return default
    at = args.index(name)
    value = args[at + 1]
    del args[at : at + 2]
    return value


def write_result(path, result):
    """The result so far, whole or not at all: a temporary file beside PATH, renamed over it."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, path)


def isolated(work):
    """work() in a child process of its own, its result sent back: whatever Lava keeps of a run (a few
    MB per run, which would add up over thousands of rows) goes when the child ends."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        try:
            send.send(("ok", work()))
        except BaseException:
            send.send(("error", traceback.format_exc()))
        send.close()

    process = ctx.Process(target=child)
    process.start()
    status, value = receive.recv()
    process.join()
    if status != "ok":
        sys.exit(value)
    return value


def main():
    args = sys.argv[1:]
    netx_file = option(args, "--netx")
    out_file = option(args, "--out")
    batch = int(option(args, "--batch", ${PY_NETX_BATCH_ROWS} if netx_file else ${PY_BATCH_ROWS}))
    args = [a for a in args if a not in (${[...flags, '--quiet'].map((f) => JSON.stringify(f)).join(', ')},)]
    rows = json.load(open(args[0])) if args else [[(lo + hi) / 2 for lo, hi in DOMAIN]]
    rows = rows["inputs"] if isinstance(rows, dict) else rows
    if ${whole}:
        batch = max(len(rows), 1)
    result = {"outputs": []}
    if "--rasters" in sys.argv:
        # per input, per population: ${rasters}
        result["rasters"] = []
    began = time.time()
    for at in range(0, len(rows), batch):
        chunk = rows[at : at + batch]
        outputs, rasters = isolated(lambda: ${run})
        result["outputs"] += [host(y) for y in outputs]
        if "--rasters" in sys.argv:
            result["rasters"] += rasters
        done = at + len(chunk)
        if out_file:
            write_result(out_file, {**result, "rows": done, "of": len(rows)})
        if len(rows) > batch and "--quiet" not in sys.argv:
            print(f"{sys.argv[0]}: {done}/{len(rows)} rows through Lava, {time.time() - began:.0f} s",
                  file=sys.stderr, flush=True)
    if not out_file:
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
