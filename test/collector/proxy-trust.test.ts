import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createProxyTrust } from '../../src/collector/http/proxy-trust';

const request = (remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('proxy trust', () => {
  it('ignores forwarded headers when no proxy is configured', () => {
    const trust = createProxyTrust(undefined);
    expect(trust.configured).toBe(false);
    const req = request('127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' });
    expect(trust.clientAddress(req)).toBe('127.0.0.1');
    expect(trust.protocol(req)).toBe('http');
  });

  it('believes a configured proxy, by address or range, IPv4-mapped too', () => {
    const trust = createProxyTrust('10.0.0.0/8, ::1');
    expect(trust.clientAddress(request('::ffff:10.1.2.3', { 'x-forwarded-for': '203.0.113.9' }))).toBe('203.0.113.9');
    expect(trust.clientAddress(request('::1', { 'x-forwarded-for': '198.51.100.1' }))).toBe('198.51.100.1');
    expect(trust.protocol(request('10.0.0.1', { 'x-forwarded-proto': 'https' }))).toBe('https');
  });

  it('ignores what an untrusted peer claims', () => {
    const trust = createProxyTrust('10.0.0.1');
    const req = request('192.0.2.7', { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'https' });
    expect(trust.clientAddress(req)).toBe('192.0.2.7');
    expect(trust.protocol(req)).toBe('http');
  });

  it('walks back over a chain of trusted proxies, and stops at the first other hop', () => {
    const trust = createProxyTrust('10.0.0.0/8');
    // A client can put anything at the start of the header; only the hops our proxies added count.
    const req = request('10.0.0.1', { 'x-forwarded-for': '127.0.0.1, 203.0.113.9, 10.0.0.2' });
    expect(trust.clientAddress(req)).toBe('203.0.113.9');
  });

  it.each(['nonsense', '10.0.0.0/33', '::1/129', '10.0.0.1/8/2', 'example.com'])('refuses %s', (entry) => {
    expect(() => createProxyTrust(entry)).toThrow(/trust proxy/);
  });
});
