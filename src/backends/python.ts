/** Python source for numbers and arrays, read back exactly. */

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
    result = {"outputs": outputs}
    if "--rasters" in sys.argv:
        # per input, per population: ${rasters}
        result["rasters"] = rasters
    print(json.dumps(result))


if __name__ == "__main__":
    main()
`;
