import { describe, expect, test } from 'vitest';
import { FORMAT_LIMITS } from '../../src/backends/index.js';
import { parseTarget } from '../../src/cli/compile-options.js';
import { planNetworks } from '../../src/cli/networks.js';

/** The networks a compile builds for its --target: one per family, or one for all with a coding named. */
const plan = (target: string | undefined, chosen?: 'rate' | 'sigma-delta') =>
  planNetworks(parseTarget(target), chosen).map((p) => ({ coding: p.coding, backends: p.backends, stem: p.stem }));

describe('a network per target family', () => {
  test('Loihi 2 (the profile, lava-netx, lava-py) gets the sigma-delta network', () => {
    expect(plan(undefined)).toEqual([{ coding: 'sigma-delta', backends: [], stem: undefined }]);
    expect(plan('loihi2')).toEqual([{ coding: 'sigma-delta', backends: [], stem: undefined }]);
    expect(plan('loihi2,lava-netx,lava-py,json')).toEqual([
      { coding: 'sigma-delta', backends: ['lava-netx', 'lava-py', 'json'], stem: undefined },
    ]);
    expect(plan('lava-py')).toEqual([{ coding: 'sigma-delta', backends: ['lava-py'], stem: undefined }]);
  });

  test('binary-spike formats and profiles get the rate network; nir its own, float within NIR', () => {
    expect(plan('nir')).toEqual([{ coding: 'rate', backends: ['nir'], stem: undefined }]);
    expect(plan('generic')).toEqual([{ coding: 'rate', backends: [], stem: undefined }]);
    // a Loihi 1 network for the profile, and nir's own: two rate networks, the float one named so
    expect(plan('loihi1,nir,json')).toEqual([
      { coding: 'rate', backends: ['json'], stem: 'rate' },
      { coding: 'rate', backends: ['nir', 'json'], stem: 'rate-float' },
    ]);
    const [nir] = planNetworks(parseTarget('nir'), undefined);
    expect(nir.limits).toMatchObject({ reset: 'zero', restStart: true, zeroDelay: true, real: true });
  });

  test('both families: two networks, each named in its files, json beside each', () => {
    expect(plan('loihi2,lava-netx,nir,lava-py,json')).toEqual([
      { coding: 'sigma-delta', backends: ['lava-netx', 'lava-py', 'json'], stem: 'sigma-delta' },
      { coding: 'rate', backends: ['nir', 'json'], stem: 'rate' },
    ]);
    // a named loihi2 profile is a Loihi 2 network even beside nir alone
    expect(plan('loihi2,nir').map((p) => p.coding)).toEqual(['sigma-delta', 'rate']);
  });

  test("a coding named builds one network for every Loihi file (the paper's method), and nir its own", () => {
    expect(plan('loihi2,lava-netx,lava-py', 'rate')).toEqual([
      { coding: 'rate', backends: ['lava-netx', 'lava-py'], stem: undefined },
    ]);
    expect(plan('loihi2,lava-netx,nir', 'rate')).toEqual([
      { coding: 'rate', backends: ['lava-netx'], stem: 'rate' },
      { coding: 'rate', backends: ['nir'], stem: 'rate-float' },
    ]);
    const [one, nir] = planNetworks(parseTarget('lava-netx,nir'), 'rate');
    expect(one.limits.reset).toBe(FORMAT_LIMITS['lava-netx'].reset);
    expect(one.limits.real).toBeUndefined();
    expect(nir.limits.real).toBe(true);
  });
});
