/** Types of build-freshness.mjs, for the tests that import it. */
export const BUILD_INPUTS: string[];
export const BUILD_OUTPUTS: string[];
export function isBuildFresh(root: string): boolean;
