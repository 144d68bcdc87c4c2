/** Types of free-port.mjs, for the tests that import it. */
export function freePort(): Promise<number>;
