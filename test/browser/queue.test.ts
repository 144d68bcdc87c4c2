import { describe, expect, it, vi } from 'vitest';
import { attachQueue, createDispatcher, type CommandQueue } from '../../src/browser/queue';

const setup = () => {
  const calls: [string, unknown][] = [];
  const commands = Object.assign(Object.create(null), {
    a: (arg: unknown) => calls.push(['a', arg]),
    b: (arg: unknown) => calls.push(['b', arg]),
    boom: () => {
      throw new Error('boom');
    },
  });
  const unknown = vi.fn(async () => {});
  return { calls, commands, unknown, dispatch: createDispatcher(commands, unknown) };
};

describe('the command queue', () => {
  it('replays the stub array in order and dispatches later pushes', () => {
    const { calls, dispatch } = setup();
    const stub = [['a', 1], ['b', 2]] as unknown as CommandQueue;
    attachQueue(stub, dispatch);
    expect(calls).toEqual([['a', 1], ['b', 2]]);
    expect(stub.length).toBe(0);
    stub.push(['b', 3], ['a', 4]);
    expect(calls).toEqual([['a', 1], ['b', 2], ['b', 3], ['a', 4]]);
  });

  it('keeps expando properties and the array itself', () => {
    const { dispatch } = setup();
    const stub = [['a', 1]] as unknown as CommandQueue & { shop?: string };
    stub.shop = 'kept';
    attachQueue(stub, dispatch);
    expect(stub.shop).toBe('kept');
    expect(Array.isArray(stub)).toBe(true);
  });

  it.each([[null], [42], ['a'], [[]], [[42]], [['nope']], [['toString']], [['__proto__']], [['constructor']], [{ 0: 'a' }]])(
    'hands the unknown or malformed command %j to the extensions, and goes on once they are done',
    async (bad) => {
      const { calls, commands } = setup();
      let done!: () => void;
      const unknown = vi.fn(() => new Promise<void>((resolve) => (done = resolve)));
      const dispatch = createDispatcher(commands, unknown);
      expect(() => dispatch(['a', 1], bad, ['a', 2])).not.toThrow();
      expect(unknown).toHaveBeenCalledExactlyOnceWith(bad);
      dispatch(['b', 3]);
      expect(calls).toEqual([['a', 1]]); // later commands wait: push order holds
      done();
      await vi.waitFor(() => expect(calls).toEqual([['a', 1], ['a', 2], ['b', 3]]));
    },
  );

  it('isolates a command that throws', () => {
    const { calls, dispatch } = setup();
    expect(() => dispatch(['a', 1], ['boom'], ['b', 2])).not.toThrow();
    expect(calls).toEqual([['a', 1], ['b', 2]]);
  });

  it('runs commands pushed by a command after it, in order', () => {
    const calls: string[] = [];
    const commands = Object.create(null);
    const dispatch = createDispatcher(commands, async () => {});
    commands.outer = () => {
      calls.push('outer start');
      dispatch(['inner']);
      calls.push('outer end');
    };
    commands.inner = () => calls.push('inner');
    commands.last = () => calls.push('last');
    dispatch(['outer'], ['last']);
    expect(calls).toEqual(['outer start', 'outer end', 'last', 'inner']);
  });

  it('returns a number from push, like Array.prototype.push', () => {
    const { dispatch } = setup();
    expect(typeof dispatch(['a'])).toBe('number');
  });

  it('is silent without debug mode', () => {
    const warn = vi.spyOn(console, 'warn');
    const { dispatch } = setup();
    dispatch(null, ['boom']);
    expect(warn).not.toHaveBeenCalled();
  });
});
