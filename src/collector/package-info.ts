/**
 * The package's own folder and version, found from this module by walking up to the package.json
 * named `rejoiner-v4`: the same answer whether it runs from the sources (src/collector/) or from
 * the compiled collector (collector/, collector/chunks/), in a clone or in an app's node_modules.
 * Never the current folder: an operator starts the collector from anywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: string;
  version?: string;
  peerDependencies?: Record<string, string>;
}

function findPackage(): { dir: string; json: PackageJson & { version: string } } {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (json.name == 'rejoiner-v4' && json.version) return { dir, json: { ...json, version: json.version } };
    }
    // Only a copy of the code without its package.json gets here: say so rather than guess.
    if (dirname(dir) == dir) throw new Error(`no package.json of rejoiner-v4 in ${start} or any folder above it`);
  }
}

const found = findPackage();
/** The package's root folder, the one with its package.json. */
export const PACKAGE_DIR = found.dir;
export const PACKAGE_VERSION = found.json.version;
/** The version range of an optional peer dependency (a database driver), e.g. "^12.11.1". */
export const peerRange = (name: string): string | undefined => found.json.peerDependencies?.[name];
