// Empties dist/ and collector/ before a build, so that no chunk of an earlier build is left behind.
import { rmSync } from 'node:fs';

for (const folder of ['../dist', '../collector']) rmSync(new URL(folder, import.meta.url), { recursive: true, force: true });
