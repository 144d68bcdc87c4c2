/**
 * Ids for visitors, sessions, orders, events and pages: one random draw per page (about 120 bits,
 * base 36) and a counter. As unique as a draw per id, and the 50 commands a page queues before
 * the script loads cost no draw each at boot. `-` because the identity cookie joins ids with `.`.
 */
const random = Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('');
let count = 0;

export const newId = (): string => random + '-' + ++count;
