import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Printer } from '../../src/browser/report';

/** A fresh copy of the debug channel (it keeps its state in the module) and a fake debug module. */
const setup = async (search = '') => {
  vi.resetModules();
  vi.stubGlobal('location', { search });
  const channel = await import('../../src/browser/report');
  const printed: unknown[][] = [];
  let arrive!: (printer: Printer) => void;
  const load = vi.fn(() => new Promise<Printer>((resolve) => (arrive = resolve)));
  channel.startDebug(load);
  const moduleArrives = async () => {
    arrive((values) => printed.push(values));
    await vi.waitFor(() => expect(load).toHaveBeenCalled());
    await new Promise((resolve) => setTimeout(resolve));
  };
  return { ...channel, printed, load, moduleArrives };
};

beforeEach(() => vi.useRealTimers());
afterEach(() => vi.unstubAllGlobals());

describe('the debug channel', () => {
  it('is silent and loads nothing while debug mode is off', async () => {
    const { report, load, printed } = await setup();
    report(12, 'site');
    report(new Error('lost'));
    expect(load).not.toHaveBeenCalled();
    expect(printed).toEqual([]);
  });

  it('loads the debug module on setDebug(true) and prints the reports made while it loaded, in order', async () => {
    const { report, setDebug, load, printed, moduleArrives } = await setup();
    report(10, 'before', 1); // debug still off: never printed
    setDebug(true);
    report(10, 'setAccount', 's1');
    report(12, null);
    expect(printed).toEqual([]);
    await moduleArrives();
    expect(printed).toEqual([
      [10, 'setAccount', 's1'],
      [12, null],
    ]);
    report(15, []);
    expect(printed.at(-1)).toEqual([15, []]);
    setDebug(false);
    report(12, 'after');
    setDebug(true);
    report(12, 'again');
    expect(printed.slice(-1)).toEqual([[12, 'again']]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('turns debug mode on for ?rejoiner_debug=1', async () => {
    const { report, printed, moduleArrives } = await setup('?a=b&rejoiner_debug=1');
    report(10, 'setAccount', 's1');
    await moduleArrives();
    expect(printed).toEqual([[10, 'setAccount', 's1']]);
  });

  it('stays silent, without throwing, when the debug module cannot load', async () => {
    vi.resetModules();
    vi.stubGlobal('location', { search: '?rejoiner_debug=1' });
    const { report, startDebug } = await import('../../src/browser/report');
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      startDebug(() => Promise.reject(new Error('blocked')));
      report(10, 'x');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(() => report(10, 'y')).not.toThrow();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
