import { describe, expect, it } from 'vitest';
import { CLICK_TOKEN_TTL_MS, makeClickToken, readClickToken, withClickToken } from '../../../src/collector/domain/click-token';

describe('click-back tokens', () => {
  const now = 1_763_700_000_000;

  it('names the session until it expires (30 days), and nothing else', () => {
    const token = makeClickToken('site-secret', 'session.with.dots', now);
    expect(readClickToken('site-secret', token, now + CLICK_TOKEN_TTL_MS - 1000)).toEqual({ session: 'session.with.dots' });
    expect(readClickToken('site-secret', token, now + CLICK_TOKEN_TTL_MS + 1000)).toEqual({ refused: 'token: expired' });
    expect(token).not.toMatch(/session/); // opaque on the address bar
  });

  it('refuses another site’s token, a changed payload and junk', () => {
    const token = makeClickToken('site-secret', 's1', now);
    expect(readClickToken('other-secret', token, now)).toEqual({ refused: 'token: bad signature' });
    const [, mac] = token.split('.');
    const changed = `${Buffer.from(`zzzzzz.s2`).toString('base64url')}.${mac}`;
    expect(readClickToken('site-secret', changed, now)).toEqual({ refused: 'token: bad signature' });
    for (const junk of ['', '.', 'a.b', 'x'.repeat(1000)]) expect(readClickToken('site-secret', junk, now)).toEqual({ refused: 'token: not a click-back token' });
  });

  it('adds the token to http(s) links, replacing an old one, and to nothing else', () => {
    expect(withClickToken('https://shop.example/cart?a=1&_rjt=old', 'T')).toBe('https://shop.example/cart?a=1&_rjt=T');
    expect(withClickToken('javascript:alert(1)', 'T')).toBeNull();
    expect(withClickToken('/relative', 'T')).toBeNull();
    expect(withClickToken(undefined, 'T')).toBeNull();
  });
});
