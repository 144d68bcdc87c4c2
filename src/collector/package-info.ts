/**
 * The package's own version, read from its package.json (found from this module, whether it runs
 * from the sources or from the built files), for the versioned `/dist/v{version}/` URLs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name == 'rejoiner-v4' && json.version) return json.version;
    }
    if (dirname(dir) == dir) return '0.0.0';
  }
}

export const PACKAGE_VERSION = findVersion();
