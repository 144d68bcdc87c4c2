// Empties dist/ before a build, so that no chunk of an earlier build is left behind.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
