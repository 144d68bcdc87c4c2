/** Types of postgres-server.mjs, for the tests that import it. */
export interface PostgresServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server process but keeps its data (an outage). */
  pause(): void;
  /** Starts it again after `pause`. */
  resume(): void;
  stop(): void;
}
export function findPostgresBin(): string;
export function freePort(): Promise<number>;
export function startPostgres(options?: { fast?: boolean; maxConnections?: number }): Promise<PostgresServer>;
