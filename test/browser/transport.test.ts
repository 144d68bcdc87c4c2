import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { postBody } from '../../src/browser/transport';

/**
 * A real `Response` whose body stream records whether it was cancelled or read to its end:
 * Chromium frees a keepalive request's share of the page's 64 KB only then.
 */
const responseWith = (status: number, headers: Record<string, string> = {}) => {
  const body = { cancelled: false, pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      body.pulled++;
      controller.enqueue(new TextEncoder().encode('{"accepted":1,"duplicates":0,"rejected":[]}'));
    },
    cancel() {
      body.cancelled = true;
    },
  });
  return { response: new Response(stream, { status, headers }), body };
};

const fetchMock = vi.fn<typeof fetch>();
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeEach(() => {
  vi.stubGlobal('fetch', fetchMock);
  fetchMock.mockReset();
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(async () => {
  // Rejections are reported after a macrotask: give them one before looking.
  await new Promise((resolve) => setTimeout(resolve, 10));
  process.off('unhandledRejection', onRejection);
  vi.unstubAllGlobals();
  expect(rejections).toEqual([]);
});

describe('postBody', () => {
  it('POSTs the text body, with keepalive as asked', async () => {
    fetchMock.mockResolvedValue(responseWith(200).response);
    await postBody('https://collector.example/v4/s', '{"v":4}', true);
    expect(fetchMock).toHaveBeenCalledWith('https://collector.example/v4/s', { method: 'POST', body: '{"v":4}', keepalive: true });
  });

  // A collector (or a proxy in front of it) that sends `Cache-Control: no-store` is the case
  // Chromium leaves to the page: the body must be released whatever the status.
  it.each([200, 400, 403, 413, 429, 503])('releases the body of a %i response and reports its status', async (status) => {
    const { response, body } = responseWith(status, { 'Cache-Control': 'no-store', 'Retry-After': '7' });
    fetchMock.mockResolvedValue(response);
    expect(await postBody('https://c.example/v4/s', '{}', true)).toEqual([status, '7']);
    expect(body.cancelled).toBe(true);
    expect(body.pulled).toBeLessThanOrEqual(1); // cancelled, not read: nothing waits for the body's end
  });

  it('handles a response without a body (204)', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    expect(await postBody('https://c.example/v4/s', '{}', true)).toEqual([204, null]);
  });

  it('reports the status when cancelling fails (a body that already errored), with no unhandled rejection', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    fetchMock.mockResolvedValue(new Response(stream, { status: 200 }));
    expect(await postBody('https://c.example/v4/s', '{}', false)).toEqual([200, null]);
  });

  it('counts a response it cannot release (a fetch wrapper without streams) as a network error, to retry', async () => {
    const odd = { status: 200, headers: new Headers(), body: { cancel: () => { throw new TypeError('not a stream'); } } };
    fetchMock.mockResolvedValue(odd as unknown as Response);
    expect(await postBody('https://c.example/v4/s', '{}', true)).toEqual([0, null]);
  });

  it('reports a network error as status 0', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    expect(await postBody('https://c.example/v4/s', '{}', true)).toEqual([0, null]);
  });
});
