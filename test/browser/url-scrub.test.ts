import { afterEach, describe, expect, it } from 'vitest';
import { scrubUrl, setUrlScrub } from '../../src/browser/url-scrub';

afterEach(() => setUrlScrub([]));

describe('scrubUrl, by default', () => {
  it.each([
    ['https://shop.example/p?id=7', 'https://shop.example/p?id=7'],
    ['https://shop.example/p?email=jo%40x.com&id=7', 'https://shop.example/p?id=7'],
    ['https://shop.example/p?id=7&Email=jo@x.com', 'https://shop.example/p?id=7'],
    ['https://shop.example/p?id=7&customer_email=a&utm_source=mail', 'https://shop.example/p?id=7&utm_source=mail'],
    ['https://shop.example/login?password=hunter2&pwd=x&passwd=y', 'https://shop.example/login'],
    ['https://shop.example/r?access_token=abc&id_token=d&token=e&x=1', 'https://shop.example/r?x=1'],
    ['https://shop.example/r?client_secret=s&auth=a&phone_number=1&x=1#top', 'https://shop.example/r?x=1#top'],
    ['https://shop.example/?_rjt=T0K3N&utm_campaign=winback', 'https://shop.example/?utm_campaign=winback'],
    ['https://shop.example/?_rjt=T0K3N', 'https://shop.example/'],
    // A query inside the fragment (hash routers) is scrubbed the same way.
    ['https://shop.example/#/checkout?email=a&step=2', 'https://shop.example/#/checkout?step=2'],
    // Email addresses anywhere: path, other parameters' values, fragment; also percent-encoded.
    ['https://shop.example/u/jo.doe+shop@mail.example.com/orders', 'https://shop.example/u//orders'],
    ['https://shop.example/p?ref=jo%40x.co.uk&id=7', 'https://shop.example/p?ref=&id=7'],
    ['https://shop.example/p#contact=jo@x.com', 'https://shop.example/p#contact='],
    // Text and order of the other parameters are kept as written.
    ['https://shop.example/s?q=red%20shoes&q=blue+hat&&sort=', 'https://shop.example/s?q=red%20shoes&q=blue+hat&&sort='],
    ['https://shop.example/s?', 'https://shop.example/s?'],
    ['', ''],
  ])('%s → %s', (url, scrubbed) => {
    expect(scrubUrl(url)).toBe(scrubbed);
  });
});

describe('setUrlScrub', () => {
  it('adds names (exact) to the default list, in place of those of an earlier call', () => {
    setUrlScrub(['zip', 'first_name']);
    expect(scrubUrl('https://s.example/?zip=1&first_name=Jo&ZIP=2&email=a&x=1')).toBe('https://s.example/?ZIP=2&x=1');
    setUrlScrub(['x']);
    expect(scrubUrl('https://s.example/?zip=1&x=1')).toBe('https://s.example/?zip=1');
  });

  it('false keeps URLs as they are, but for the click-back token', () => {
    setUrlScrub(false);
    const url = 'https://s.example/u/jo@x.com?email=jo@x.com&password=p&_rjt=T&x=1';
    expect(scrubUrl(url)).toBe('https://s.example/u/jo@x.com?email=jo@x.com&password=p&x=1');
    setUrlScrub([]);
    expect(scrubUrl(url)).toBe('https://s.example/u/?x=1');
  });

  it.each([['email'], [true], [null], [{ 0: 'x' }]])('ignores %j (reported in debug mode) and keeps the list', (bad) => {
    setUrlScrub(['zip']);
    setUrlScrub(bad);
    expect(scrubUrl('https://s.example/?zip=1&x=1')).toBe('https://s.example/?x=1');
  });
});
