/** A random id (about 120 bits, base 36) for visitors, sessions, orders, events and tabs. */
export const newId = (): string =>
  Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('');
