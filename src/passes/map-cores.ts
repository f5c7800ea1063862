import { type CoreUsage, type Node, Node as NodeSchema, isPopulation, width } from '../ir/index.js';
import { consumers, rewrite } from '../fit/graph-edit.js';
import { type Pass, type PassContext, PassError, type PassResult, profileOf } from './pass.js';
import { PROFILES } from '../ir/index.js';

export type { CoreUsage };

/** The cores each population of `g` needs under the context's profile, or why it cannot fit. */
export function coreUsage(g: { nodes: readonly Node[] }, ctx: PassContext): CoreUsage[] {
  const profile = profileOf('map-cores', ctx);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const users = consumers({ name: '', nodes: g.nodes });
  const rows: CoreUsage[] = [];
  for (const n of g.nodes) {
    if (!isPopulation(n) && n.kind !== 'snn.readout') continue;
    const fanIn = n.inputs.reduce((s, i) => s + width(byId.get(byId.get(i)!.inputs[0])!.type), 0);
    if (fanIn > profile.maxFanIn)
      throw new PassError(
        'map-cores',
        `%${n.id}: fan-in ${fanIn} exceeds the ${profile.name} limit of ${profile.maxFanIn}`,
      );
    const fanOut = (users.get(n.id) ?? []).reduce((s, u) => s + width(u.type), 0);
    if (fanOut > profile.maxFanOut)
      throw new PassError(
        'map-cores',
        `%${n.id}: fan-out ${fanOut} exceeds the ${profile.name} limit of ${profile.maxFanOut}`,
      );
    const bytesPerNeuron = Math.ceil((fanIn * profile.weightBits) / 8);
    const perCore = Math.min(profile.neuronsPerCore, Math.floor(profile.synapseBytesPerCore / bytesPerNeuron));
    if (perCore < 1)
      throw new PassError(
        'map-cores',
        `%${n.id}: one neuron's ${bytesPerNeuron} bytes of synapses exceed a core's ${profile.synapseBytesPerCore}`,
      );
    const neurons = width(n.type);
    const cores = Math.ceil(neurons / perCore);
    rows.push({
      layer: n.id,
      neurons,
      fanIn,
      synapses: neurons * fanIn,
      cores,
      bytesPerCore: Math.min(neurons, perCore) * bytesPerNeuron,
    });
  }
  return rows;
}

/**
 * map-cores: places every population (and the synapses into it, which live in its cores' memory)
 * onto cores under the profile's limits: neurons per core, synaptic memory per core, fan-in and
 * fan-out, cores per chip and chips (--chips overrides the profile). Large layers are split across
 * cores; each node gets `placement` ranges [start, stop) of its neurons.
 */
export const mapCores: Pass = {
  name: 'map-cores',
  description: 'place populations and their synapses onto cores and chips under the target profile limits',
  run(g, ctx): PassResult {
    const profile = PROFILES.get(ctx.profile)!;
    const usage = coreUsage(g, ctx);
    const chips = ctx.chips ?? profile.chips;
    const total = usage.reduce((s, u) => s + u.cores, 0);
    if (total > chips * profile.coresPerChip) {
      const largest = [...usage].sort((a, b) => b.cores - a.cores)[0];
      throw new PassError(
        'map-cores',
        `the network needs ${total} cores, but ${profile.name} with ${chips} chip(s) has ` +
          `${chips * profile.coresPerChip} (largest layer %${largest.layer}: ${largest.cores} cores)`,
      );
    }
    const replace = new Map<string, Node>();
    let core = 0;
    for (const u of usage) {
      const perCore = Math.ceil(u.neurons / u.cores);
      const placement = Array.from({ length: u.cores }, (_, k) => {
        const c = core + k;
        return {
          chip: Math.floor(c / profile.coresPerChip),
          core: c % profile.coresPerChip,
          start: k * perCore,
          stop: Math.min(u.neurons, (k + 1) * perCore),
        };
      });
      core += u.cores;
      const n = g.nodes.find((x) => x.id === u.layer)!;
      replace.set(n.id, NodeSchema.parse({ ...n, placement }));
      for (const s of n.inputs) replace.set(s, NodeSchema.parse({ ...g.nodes.find((x) => x.id === s)!, placement }));
    }
    return {
      graph: rewrite(g, replace),
      stats: { cores: total, chips: Math.ceil(total / profile.coresPerChip), profile: profile.name },
    };
  },
};

/** The resource table `spikec compile --report` prints. */
export function formatReport(usage: readonly CoreUsage[], profileName: string): string {
  const profile = PROFILES.get(profileName)!;
  const head = ['layer', 'neurons', 'fan-in', 'synapses', 'cores', 'bytes/core'];
  const body = usage.map((u) => [
    u.layer,
    String(u.neurons),
    String(u.fanIn),
    String(u.synapses),
    String(u.cores),
    String(u.bytesPerCore),
  ]);
  const cores = usage.reduce((s, u) => s + u.cores, 0);
  body.push([
    'total',
    String(usage.reduce((s, u) => s + u.neurons, 0)),
    '',
    String(usage.reduce((s, u) => s + u.synapses, 0)),
    String(cores),
    '',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i])))
      .join('  ')
      .trimEnd();
  const limits =
    `${profile.neuronsPerCore} neurons and ${profile.synapseBytesPerCore} bytes of synapses per core, ` +
    `${profile.coresPerChip} cores per chip`;
  const total = `${cores} cores on ${Math.ceil(cores / profile.coresPerChip)} chip(s)`;
  return `resources on ${profile.name} (${limits}): ${total}\n${[line(head), ...body.map(line)].join('\n')}\n`;
}
