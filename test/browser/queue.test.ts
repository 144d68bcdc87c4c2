import { describe, expect, it, vi } from 'vitest';
import { attachQueue, createDispatcher, type CommandQueue } from '../../src/browser/queue';
import { setDebug, startDebug } from '../../src/browser/report';
import { COMMAND, FAILED } from '../../src/browser/report-codes';

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

  it("runs the core's own step in its turn: after the commands before it, also those waiting for the module", async () => {
    const { calls, commands } = setup();
    let done!: () => void;
    const unknown = vi.fn(() => new Promise<void>((resolve) => (done = resolve)));
    const ownStep = vi.fn(() => calls.push(['own step', undefined]));
    const dispatch = createDispatcher(commands, unknown, ownStep);
    dispatch(['a', 1], ['fromTheModule'], ['a', 2]);
    dispatch(ownStep);
    dispatch(['b', 3]);
    expect(calls).toEqual([['a', 1]]);
    expect(ownStep).not.toHaveBeenCalled();
    done();
    await vi.waitFor(() => expect(calls).toEqual([['a', 1], ['a', 2], ['own step', undefined], ['b', 3]]));
    expect(unknown).toHaveBeenCalledExactlyOnceWith(['fromTheModule']);
  });

  it("runs the core's own step at once when nothing waits; a page's function is no step", () => {
    const { calls, commands, unknown } = setup();
    const ownStep = () => calls.push(['own step', undefined]);
    const dispatch = createDispatcher(commands, unknown, ownStep);
    dispatch(ownStep);
    expect(calls).toEqual([['own step', undefined]]);
    const pagesFunction = () => calls.push(['page', undefined]);
    dispatch(pagesFunction);
    expect(unknown).toHaveBeenCalledExactlyOnceWith(pagesFunction); // unknown, as before
    expect(calls).toEqual([['own step', undefined]]);
  });

  it('returns a number from push, like Array.prototype.push', () => {
    const { dispatch } = setup();
    expect(typeof dispatch(['a'])).toBe('number');
  });

  it('reports nothing without debug mode, and each command and failure with it', async () => {
    vi.stubGlobal('location', { search: '' });
    const printed: unknown[][] = [];
    startDebug(async () => (values) => printed.push(values));
    try {
      const { dispatch } = setup();
      dispatch(['boom'], ['a', 1]); // debug off: neither printed nor kept for later
      setDebug(true);
      dispatch(['boom'], ['a', 2]);
      await vi.waitFor(() => expect(printed).toHaveLength(3));
      expect(printed).toEqual([
        [COMMAND, 'boom', undefined],
        [FAILED, 'boom', new Error('boom')],
        [COMMAND, 'a', 2],
      ]);
    } finally {
      setDebug(false);
      vi.unstubAllGlobals();
    }
  });
});

/** Commands that throw as soon as the dispatcher reads them. */
const unreadable = (): [string, unknown][] => {
  const revoked = Proxy.revocable(['a', 1], {});
  revoked.revoke();
  return [
    ['a getter on index 0 that throws', Object.defineProperty(['a'], 0, { get: () => { throw new Error('no'); } })],
    ['a getter on index 1 that throws', Object.defineProperty(['a', 0], 1, { get: () => { throw 1; } })],
    ['a revoked Proxy', revoked.proxy],
    ['a Proxy whose every trap throws', new Proxy(['a'], { get: () => { throw new Error('get'); }, getPrototypeOf: () => { throw new Error('proto'); } })],
    ['a name whose toString throws', [{ toString: () => { throw new Error('toString'); } }, 1]],
    ['a Symbol for a name', [Symbol('a'), 1]],
  ];
};

describe('isolation of hostile commands', () => {
  it.each(unreadable())('%s fails alone: push does not throw and later commands run', async (_label, hostile) => {
    const { calls, commands } = setup();
    const unknown = vi.fn(async () => {});
    const dispatch = createDispatcher(commands, unknown);
    expect(() => dispatch(['a', 1], hostile, ['b', 2])).not.toThrow();
    expect(() => dispatch(hostile)).not.toThrow();
    dispatch(['a', 3]);
    await vi.waitFor(() => expect(calls).toEqual([['a', 1], ['b', 2], ['a', 3]]));
  });

  it('reads the name and the argument of a command once each', () => {
    const { calls, commands } = setup();
    let reads = 0;
    const command = ['a'];
    Object.defineProperty(command, 1, { get: () => ++reads });
    createDispatcher(commands, async () => {})(command);
    expect(calls).toEqual([['a', 1]]);
    expect(reads).toBe(1);
  });

  it('goes on when the extension loader throws at once', () => {
    const { calls, commands } = setup();
    const dispatch = createDispatcher(commands, () => {
      throw new Error('loader');
    });
    expect(() => dispatch(['nope'], ['a', 1])).not.toThrow();
    expect(calls).toEqual([['a', 1]]);
  });

  it('goes on when the extension loader rejects, with no unhandled rejection', async () => {
    const { calls, commands } = setup();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const dispatch = createDispatcher(commands, () => Promise.reject(new Error('module')));
      dispatch(['nope'], ['a', 1], ['nope either'], ['b', 2]);
      expect(calls).toEqual([]); // held until the module has answered
      await vi.waitFor(() => expect(calls).toEqual([['a', 1], ['b', 2]]));
      dispatch(['a', 3]);
      expect(calls).toEqual([['a', 1], ['b', 2], ['a', 3]]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('goes on after a handler that pushes a hostile command and then throws', () => {
    const calls: string[] = [];
    const commands = Object.create(null);
    const dispatch = createDispatcher(commands, async () => {});
    commands.evil = () => {
      dispatch(unreadable()[2][1], ['ok']);
      throw new Error('evil');
    };
    commands.ok = () => calls.push('ok');
    expect(() => dispatch(['evil'], ['ok'])).not.toThrow();
    expect(calls).toEqual(['ok', 'ok']);
  });

  it('isolates handlers that choke on cyclic, frozen, huge or Proxy payloads', () => {
    const calls: unknown[] = [];
    const commands = Object.create(null);
    commands.strict = (argument: unknown) => calls.push(JSON.parse(JSON.stringify(argument)));
    const dispatch = createDispatcher(commands, async () => {});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('keys'); } });
    dispatch(['strict', cyclic], ['strict', throwing], ['strict', Object.freeze({ n: 1 })], ['strict', { big: 'x'.repeat(1e6) }]);
    expect(calls).toEqual([{ n: 1 }, { big: 'x'.repeat(1e6) }]);
  });
});

