import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { onTempsHeld, removeActiveTemps, writeAtomicWith, writeFileSet } from '../../src/ir/index.js';

afterEach(() => onTempsHeld(() => undefined));

describe('atomic outputs', () => {
  test('onTempsHeld tells when temporary files are held, so that a signal handler is installed only then', async () => {
    const seen: boolean[] = [];
    onTempsHeld((held) => seen.push(held));
    const dir = mkdtempSync(join(tmpdir(), 'spikec-io-'));
    await writeFileSet(
      dir,
      'set.manifest.json',
      ['a.txt', 'b.txt'].map((name) => ({
        name,
        write: (path: string) => {
          expect(seen.at(-1)).toBe(true);
          writeFileSync(path, name);
        },
      })),
      {},
    );
    // held from the first temporary file to the last one's rename, once
    expect(seen).toEqual([true, false]);
  });

  test('a failed set of writes leaves no temporary file and no directory it created', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spikec-io-'));
    const out = join(root, 'new', 'out');
    const failing = [
      { name: 'a.txt', write: (path: string) => writeFileSync(path, 'a') },
      {
        name: 'b.txt',
        write: async () => {
          throw new Error('disk full');
        },
      },
    ];
    await expect(writeFileSet(out, 'set.manifest.json', failing, {})).rejects.toThrow('disk full');
    expect(readdirSync(root)).toEqual([]);
  });

  test('removeActiveTemps (an interrupt) removes the temporary file and the empty folders made for it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'spikec-io-'));
    let during: string[] = [];
    await writeAtomicWith(join(root, 'x', 'y', 'f.txt'), (tmp) => {
      during = readdirSync(join(root, 'x', 'y'));
      expect(tmp).toContain(join(root, 'x', 'y'));
      removeActiveTemps();
      throw new Error('interrupted');
    }).catch(() => undefined);
    expect(during).toEqual([]); // the writer had not written yet: only the directories existed
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(root)).toBe(true); // not this process's to remove
  });
});
