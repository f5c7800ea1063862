import { type Graph, IrError, type Node, type NodeOf, isSigmaDeltaOp, width } from '../ir/index.js';

/** A synapse ready to simulate: weights transposed to [in][out] so a spike reads one contiguous row. */
export interface SynapseOp {
  readonly node: NodeOf<'snn.synapse'>;
  readonly source: string;
  readonly fanIn: number;
  readonly fanOut: number;
  /** Transposed weights (float values, or integer mantissas); shared, never to be written. */
  readonly wt: Float64Array;
  /** The largest |weight|. */
  readonly largest: number;
  /**
   * The largest sum of |weights| into one output: the most its spike sum (spikes of magnitude 1) or
   * any partial sum of it can reach.
   */
  readonly largestColumnSum: number;
  readonly integer: boolean;
  readonly exponent: number;
  /** Storage sparse: a value sent reaches its column's nonzero weights only (else the whole column). */
  readonly sparse: boolean;
}

/** The snn part of a graph in simulation order, with each node's depth (synapses from the encoder). */
export interface SimProgram {
  readonly graph: Graph;
  readonly encoder: NodeOf<'snn.encoder'>;
  readonly synapses: ReadonlyMap<string, SynapseOp>;
  readonly order: readonly Node[];
  readonly depth: ReadonlyMap<string, number>;
  readonly arith: 'float' | 'fixed';
  /** Rate coding (snn.neurons, readouts of decode mean) or sigma-delta (snn.sigma-delta, decode sigma). */
  readonly coding: 'rate' | 'sigma-delta';
}

/**
 * Each synapse node's transposed weights, made once: IR nodes are immutable, and the passes simulate
 * graph after graph that share most of their synapses (a transpose per call cost more than the
 * simulation of a wide network on a few rows).
 */
const synapseOps = new WeakMap<NodeOf<'snn.synapse'>, SynapseOp>();

function synapseOp(n: NodeOf<'snn.synapse'>): SynapseOp {
  let op = synapseOps.get(n);
  if (op) return op;
  const [fanOut, fanIn] = n.weight.kind === 'float' ? n.weight.values.shape : n.weight.mantissa.shape;
  const w = n.weight.kind === 'float' ? n.weight.values.data : n.weight.mantissa.data;
  const wt = new Float64Array(fanIn * fanOut);
  for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) wt[i * fanOut + o] = w[o * fanIn + i];
  let largest = 0;
  const columnSums = new Float64Array(fanOut);
  for (let k = 0; k < wt.length; k++) {
    largest = Math.max(largest, Math.abs(wt[k]));
    columnSums[k % fanOut] += Math.abs(wt[k]);
  }
  let largestColumnSum = 0;
  for (const c of columnSums) largestColumnSum = Math.max(largestColumnSum, c);
  op = {
    node: n,
    source: n.inputs[0],
    fanIn,
    fanOut,
    wt,
    largest,
    largestColumnSum,
    integer: n.weight.kind === 'int',
    exponent: n.weight.kind === 'int' ? n.weight.exponent : 0,
    sparse: n.storage === 'sparse',
  };
  synapseOps.set(n, op);
  return op;
}

export function compileProgram(g: Graph): SimProgram {
  const encoders = g.nodes.filter((n): n is NodeOf<'snn.encoder'> => n.kind === 'snn.encoder');
  if (encoders.length !== 1)
    throw new IrError(`the simulator runs graphs with exactly one snn.encoder (found ${encoders.length})`);
  const synapses = new Map<string, SynapseOp>();
  const depth = new Map<string, number>();
  const arith = new Set<string>();
  const coding = new Set<'rate' | 'sd'>();
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (const n of g.nodes) {
    if (n.kind === 'snn.encoder') depth.set(n.id, 0);
    else if (n.kind === 'snn.synapse') {
      synapses.set(n.id, synapseOp(n));
      depth.set(n.id, depth.get(n.inputs[0])! + 1);
    } else if (n.kind === 'snn.neurons' || n.kind === 'snn.sigma-delta' || n.kind === 'snn.readout') {
      depth.set(n.id, Math.max(...n.inputs.map((i) => depth.get(i)!)));
      if (n.kind !== 'snn.readout') arith.add(n.arith);
      coding.add(isSigmaDeltaOp(n) ? 'sd' : 'rate');
      for (const i of n.inputs) {
        const s = synapses.get(i)!;
        if (n.kind !== 'snn.readout' && s.integer !== (n.arith === 'fixed')) {
          throw new IrError(
            `${n.arith} neurons are fed by ${s.integer ? 'integer' : 'float'} weights of %${i}; ` +
              'quantize the whole network',
            `%${n.id}`,
          );
        }
      }
    } else if (n.inputs.some((i) => byId.get(i)?.kind.startsWith('snn.') && byId.get(i)?.kind !== 'snn.readout')) {
      throw new IrError(`${n.kind} reads spikes directly; only snn.readout values may feed ann ops`, `%${n.id}`);
    }
  }
  if (arith.size > 1) throw new IrError('the network mixes float and fixed-point neurons');
  if (coding.size > 1)
    throw new IrError('the network mixes rate-coded ops (snn.neurons, decode mean) and sigma-delta ones');
  const delta = encoders[0].mode === 'delta';
  if (encoders[0].biasChannel !== undefined && !delta)
    throw new IrError('only a delta encoder (sigma-delta coding) has a bias channel', `%${encoders[0].id}`);
  if (coding.has('sd') !== delta)
    throw new IrError(
      delta
        ? 'a delta encoder feeds sigma-delta networks only (snn.sigma-delta, readouts with decode sigma)'
        : 'a sigma-delta network takes its input from an encoder of mode delta',
      `%${encoders[0].id}`,
    );
  return {
    graph: g,
    encoder: encoders[0],
    synapses,
    order: g.nodes.filter((n) => n.kind.startsWith('snn.')),
    depth,
    arith: arith.has('fixed') ? 'fixed' : 'float',
    coding: coding.has('sd') ? 'sigma-delta' : 'rate',
  };
}

export const widthOf = (n: Node): number => width(n.type);
