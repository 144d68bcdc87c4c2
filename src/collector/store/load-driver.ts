/**
 * Loads an engine module whose database driver is an optional peer dependency of the package
 * (`better-sqlite3` for SQLite, `pg` for PostgreSQL): npm installs neither by itself, so that an
 * app using only the browser library compiles no native module. An operator who starts the
 * collector without the driver for the chosen engine is told which package to install.
 */
import { peerRange } from '../package-info';

/** The engine's driver is not installed. The message names the package and the command. */
export class MissingDriverError extends Error {
  constructor(
    readonly driver: string,
    engine: string,
  ) {
    const range = peerRange(driver);
    super(
      `the ${engine} store needs the npm package ${driver}, which is not installed. ` +
        `Install it beside rejoiner-v4: npm install ${range ? `${driver}@"${range}"` : driver}`,
    );
    this.name = 'MissingDriverError';
  }
}

/** True when `error` says that the package `name` itself cannot be found (not one of its files). */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code == 'ERR_MODULE_NOT_FOUND' || code == 'MODULE_NOT_FOUND') &&
    typeof message == 'string' &&
    (message.includes(`'${name}'`) || message.includes(`"${name}"`))
  );
}

/** Runs `load` (a dynamic import of the engine module) and turns a missing driver into a MissingDriverError. */
export async function loadDriver<T>(driver: string, engine: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, driver)) throw new MissingDriverError(driver, engine);
    throw error;
  }
}
