/**
 * The global `_rejoiner` declaration on its own, for pages that use only the snippet:
 * `/// <reference types="rejoiner-v4/global" />` (or `"types": ["rejoiner-v4/global"]` in
 * tsconfig.json) makes every `_rejoiner.push([...])` type-checked. Importing the package gives
 * the same declaration.
 */
export type { RejoinerCommand, RejoinerQueue } from './types';
