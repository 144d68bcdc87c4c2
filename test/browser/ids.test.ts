import { describe, expect, it, vi } from 'vitest';

/** A fresh copy of ids.ts, as a new page would load it. */
const loadIds = async () => {
  vi.resetModules();
  return (await import('../../src/browser/ids')).newId;
};

describe('newId', () => {
  it('gives distinct ids within a page, free of the cookie separator', async () => {
    const newId = await loadIds();
    const ids = Array.from({ length: 1000 }, newId);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{12,}-\d+$/);
  });

  it('draws a new random part on every page', async () => {
    const randomParts = new Set<string>();
    for (let page = 0; page < 50; page++) randomParts.add((await loadIds())().split('-')[0]);
    expect(randomParts.size).toBe(50);
  });
});
