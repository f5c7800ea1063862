import { describe, expect, test } from 'vitest';
import { streamOption } from '../../src/cli/commands/verify.js';
import { type VerifySetup, denseTrajectories, trajectories } from '../../src/verification/measure.js';

const grid = (xs: number[], ts: number[]): number[][] => xs.flatMap((x) => ts.map((t) => [x, t]));

describe('streams along an input', () => {
  const setup = {
    problem: {
      inputs: ['x', 't'],
      domain: [
        [-1, 1],
        [0, 2],
      ],
      testGrid: [3, 3],
    },
    points: grid([-1, 0, 1], [0, 1, 2]).reverse(),
  } as unknown as VerifySetup;

  test('the test grid as trajectories: the other inputs sorted, the axis fastest', () => {
    const { order, count } = trajectories(setup.points, 1);
    expect(count).toBe(3);
    expect(order.map((i) => setup.points[i])).toEqual(grid([-1, 0, 1], [0, 1, 2]));
  });

  test('dense trajectories: N evenly spaced values of the axis from every point of the other inputs', () => {
    const { points, count } = denseTrajectories(setup, 1, 5);
    expect(count).toBe(3);
    expect(points).toEqual(grid([-1, 0, 1], [0, 0.5, 1, 1.5, 2]));
    const alongX = denseTrajectories(setup, 0, 3);
    expect(alongX.points.slice(0, 3)).toEqual([
      [-1, 0],
      [0, 0],
      [1, 0],
    ]);
  });

  test('--stream AXIS[:N]: a name or an index, and the queries per trajectory', () => {
    expect(streamOption('t', ['x', 't'])).toEqual({ axis: 1 });
    expect(streamOption('0:100', ['x', 't'])).toEqual({ axis: 0, perTrajectory: 100 });
    expect(streamOption('t:32001', ['x', 't'])).toEqual({ axis: 1, perTrajectory: 32001 });
    expect(() => streamOption('y', ['x', 't'])).toThrow(/no input 'y' \(inputs: x, t; AXIS or AXIS:N\)/);
    expect(() => streamOption('2', ['x', 't'])).toThrow(/no input '2'/);
    expect(() => streamOption('t:1', ['x', 't'])).toThrow(/N must be an integer from 2 to 1000000/);
    expect(() => streamOption('t:x', ['x', 't'])).toThrow(/no input/);
  });
});
