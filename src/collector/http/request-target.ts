/** The request target of an HTTP request, read without `new URL`. */

/** The parts of a request target that handlers use. */
export interface RequestTarget {
  /** The path as sent (still percent-encoded). */
  pathname: string;
  searchParams: URLSearchParams;
}

/**
 * The path and query of a request target. Not `new URL(target, base)`: a target such as `//[`
 * is read as a scheme-relative URL with a broken host and throws, although it is just a
 * strange path. Gives `undefined` for anything that is not origin-form (RFC 9112 3.2.1).
 */
export function parseTarget(target: string): RequestTarget | undefined {
  if (!target.startsWith('/')) return undefined;
  const query = target.indexOf('?');
  const pathname = query < 0 ? target : target.slice(0, query);
  return { pathname, searchParams: new URLSearchParams(query < 0 ? '' : target.slice(query + 1)) };
}

