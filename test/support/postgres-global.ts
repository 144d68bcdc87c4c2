/**
 * Global setup of the "postgres" test project: a throwaway PostgreSQL server for the whole run
 * (each test gets its own database in it), stopped at the end. When the server cannot start,
 * the project fails: it is never skipped.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../scripts/lib/postgres-server.mjs';

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startPostgres({ fast: true });
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
