/**
 * Small helpers around node:http: a bounded body reader and JSON/text replies. Every reply of
 * the collector goes through `reply`, so that a response is never written twice.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { noteReason } from '../observe/request-notes';

/** Largest request body accepted anywhere (beacons and REST): 1 MB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A 4xx decided while handling a request; `reason` goes into the JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

/**
 * Reads the whole body, up to `limit` bytes. Rejects with HttpError 413 as soon as the declared
 * or received size passes the limit (the rest is discarded, not buffered), and with an Error
 * when the client aborts.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume(); // drain, so the client can read our 413 instead of a reset
      reject(new HttpError(413, `body over ${limit} bytes`, { connection: 'close' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.resume();
        finish(new HttpError(413, `body over ${limit} bytes`, { connection: 'close' }));
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish());
    req.on('error', (error) => finish(error));
    req.on('aborted', () => finish(new Error('request aborted')));
    req.on('close', () => finish(new Error('request closed before its end')));
  });
}

/** Writes a complete response unless one was already sent or the socket is gone. */
export function reply(
  res: ServerResponse,
  status: number,
  body: string | Buffer = '',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** A JSON response. */
export const replyJson = (
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void =>
  reply(res, status, JSON.stringify(value), {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });

/** A 4xx/5xx with `{"error": reason}`; the reason is also noted for the request log. */
export const replyError = (
  res: ServerResponse,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void => {
  noteReason(res, reason);
  replyJson(res, status, { error: reason }, headers);
};

/** Headers by which a proxy says it passed a request on: X-Forwarded-For, Forwarded (RFC 7239), X-Real-IP. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/**
 * A request from a program on this machine itself, not one a proxy on this machine passed on
 * (such a proxy connects from loopback too, but says so in one of its headers).
 */
export function isLocalRequest(req: IncomingMessage): boolean {
  return isLoopback(req.socket.remoteAddress) && PROXY_HEADERS.every((name) => req.headers[name] === undefined);
}

/** True when the peer is on this machine (IPv4, IPv6, or IPv4-mapped IPv6 loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address == '::1';
}
