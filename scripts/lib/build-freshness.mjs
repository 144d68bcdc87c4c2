/**
 * Whether dist/ and collector/ were built after the last change to what `npm run build` reads, by modification
 * times: `npm start` skips the build when it was (a fresh clone has no dist/ and builds).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run build` reads: a change to any of them makes dist/ out of date. */
export const BUILD_INPUTS = ['src', 'rollup.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/compress-dist.mjs', 'scripts/clean-dist.mjs'];
/** What `npm run build` writes: the oldest of them dates the build. */
export const BUILD_OUTPUTS = ['dist/rejoiner.js', 'dist/rejoiner.js.br', 'dist/rejoiner.mjs', 'dist/server.mjs', 'collector/cli.mjs'];

/** The newest modification time under `path` (a file or a folder), in ms; 0 when absent. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function isBuildFresh(root) {
  const outputs = BUILD_OUTPUTS.map((output) => join(root, output));
  if (!outputs.every((output) => existsSync(output))) return false;
  const built = Math.min(...outputs.map((output) => statSync(output).mtimeMs));
  return built >= Math.max(...BUILD_INPUTS.map((input) => newest(join(root, input))));
}
