/**
 * REJOINER-API.md asks the README to say what was chosen where Rejoiner's docs are silent, and to
 * document that production needs TLS in front. These read the README the way an operator would,
 * for the facts a client integration depends on: the server's "REST API" section must describe the
 * credentials the server takes; the rest may be anywhere in the README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/collector/api/paging';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The "REST API" section: from its heading to the next heading of the same or a higher level. */
function restSection(): string {
  const heading = /^(#{2,4}) REST API\b.*$/m.exec(readme);
  if (!heading) return '';
  const rest = readme.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{2,${heading[1].length}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

describe('README', () => {
  const section = restSection();

  it('has a "REST API" section', () => {
    expect(section.length).toBeGreaterThan(0);
  });

  it('"REST API" says the Rejoiner2 bases also take the bearer form `Authorization: Rejoiner {token}`', () => {
    expect(section).toMatch(/bearer/i);
    expect(section).toMatch(/token/);
  });

  it('"REST API" says a signature may cover the site-relative path (`lead/convert`) as well as the full one', () => {
    expect(section).toMatch(/relative/i);
  });

  it('names the three bases: /api/1.0/site/{site}/, /api/v1/{site}/ and /api/v2/{site}/', () => {
    expect(readme).toMatch(/\/api\/1\.0\/site\//);
    expect(readme).toMatch(/\/api\/v1\//);
    expect(readme).toMatch(/\/api\/v2\//);
  });

  it('says that production needs TLS in front', () => {
    expect(readme).toMatch(/\bTLS\b/);
  });

  it('lists every endpoint of both generations', () => {
    const endpoints = [
      'lead/convert', 'lead/cancel', 'lead/opt_in', 'lead/unsubscribe', 'contact_add', 'ping/', 'customer/convert/', 'always_convert',
      'customer/cancel/', 'by_email', 'by_phone', 'tags/', 'preference_tags', 'lists/', 'contacts/', 'sessions/', 'journeys/', 'segments/',
    ];
    expect(endpoints.filter((endpoint) => !readme.includes(endpoint))).toEqual([]);
  });

  it(`documents paging: page_size, its default (${DEFAULT_PAGE_SIZE}) and its maximum (${MAX_PAGE_SIZE})`, () => {
    const lines = readme.split('\n').filter((line) => line.includes('page_size'));
    expect(lines.some((line) => line.includes(String(MAX_PAGE_SIZE))), lines.join('\n')).toBe(true);
    expect(lines.some((line) => line.includes(String(DEFAULT_PAGE_SIZE))), lines.join('\n')).toBe(true);
  });

  it('says what journeys and segments answer, since the collector keeps neither', () => {
    expect(readme).toMatch(/journey[^\n]*404|404[^\n]*journey/i);
    expect(readme).toMatch(/segment/i);
  });
});
