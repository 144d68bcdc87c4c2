/**
 * The PostgreSQL engine (node-postgres): the engine for shops that run several collector nodes
 * on one database. One pool per node; a transaction is BEGIN … COMMIT on one checked-out
 * client, with the advisory locks of the records it writes taken first, in ascending order, so
 * that nodes writing the same order or customer take turns and never deadlock; a deadlock the
 * database still reports is a TransactionConflictError, which lock-restart.ts runs again.
 *
 * No request waits long on the database: a lock not granted within 2 s, a statement running
 * over 5 s or a reply not arriving within 7 s ends the transaction with StoreUnavailableError.
 *
 * The database may be unreachable at start or go away later. The collector then keeps running:
 * the engine retries the connection (and the migrations) in the background, every request that
 * needs the database fails fast with StoreUnavailableError (a 503 with Retry-After for beacons),
 * and everything works again as soon as the database answers.
 */
import pg from 'pg';
import { StoreUnavailableError, TransactionConflictError, type Engine } from '../engine';
import { createPostgresExporter, isPostgresCursor } from './postgres-export';
import { migrate } from './postgres-migrations';
import { createPostgresReader, createPostgresRecordTx, takeLocks } from './postgres-records';

export interface PostgresEngineOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Connections of this node. @default 10 */
  poolSize?: number;
  log?: (line: string) => void;
}

/** Between attempts to reach a database that is down. */
const RECONNECT_MS = [250, 500, 1000, 2000, 5000];

/**
 * SQLSTATE classes and codes that mean "not now": connection trouble, shutdown, no resources, a
 * statement cancelled by its timeout (57014) and a lock not granted in time (55P03).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|58|57014|55P03)/;
/** A deadlock or a serialization failure: the transaction may simply run again. */
const CONFLICT_SQLSTATE = new Set(['40P01', '40001']);
/** Waits a request may spend on the database before it gives up with a 503 (README "Scaling out"). */
const LOCK_TIMEOUT_MS = 2000;
const STATEMENT_TIMEOUT_MS = 5000;
/** On our side too: a database that stops answering (frozen, cut off) must not hold requests forever. */
const QUERY_TIMEOUT_MS = 7000;

const sqlstate = (error: unknown): string => String((error as { code?: unknown })?.code ?? '');

/** Whether an error says the database cannot be used now (rather than that a query is wrong). */
export function isConnectionError(error: unknown): boolean {
  const code = sqlstate(error);
  if (UNAVAILABLE_SQLSTATE.test(code) || /^E(CONN|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN|TIMEDOUT)|^ENOTFOUND/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|Query read timeout/i.test(
    (error as Error)?.message ?? '',
  );
}

/** Integers the collector stores fit a double; node-postgres gives int8 as text unless told. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid == pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The engine, and a promise that settles after its first attempt to reach the database:
 * rejected only when the database answered with something retrying cannot fix (a schema from
 * a newer collector, a refused login), which should stop the start.
 */
export function createPostgresEngine({ url, poolSize = 10, log = () => {} }: PostgresEngineOptions): { engine: Engine; firstAttempt: Promise<void> } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // A request waits this long for a connection of a busy or dead database, then gets a 503.
    connectionTimeoutMillis: 2000,
    // A transaction never waits on the database for long: a stuck one frees its locks.
    lock_timeout: LOCK_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: 10_000,
    // TCP keepalive: a peer that vanished without closing the connection is noticed.
    keepAlive: true,
    types,
  });
  // An idle connection that dies (the server restarted) must not crash the process.
  pool.on('error', (error) => log(`postgres: idle connection lost: ${error.message}`));
  const reads = createPostgresReader(pool);
  const exporter = createPostgresExporter(pool);

  let ready = false;
  let closed = false;
  let lastProblem = 'connecting';
  let settleFirst: (error?: unknown) => void = () => {};
  const firstAttempt = new Promise<void>((resolve, reject) => (settleFirst = (error) => (error ? reject(error) : resolve())));

  /** Connects and migrates, retrying until it works or the engine closes. */
  const prepare = (async () => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        const client = await pool.connect();
        let broken: Error | undefined;
        const onError = (error: Error): void => void (broken = error);
        client.on('error', onError);
        try {
          await migrate(client);
        } finally {
          client.off('error', onError);
          client.release(broken);
        }
        ready = true;
        settleFirst();
        if (attempt) log('postgres: database reachable, schema up to date');
        return;
      } catch (error) {
        lastProblem = (error as Error).message;
        if (!isConnectionError(error)) {
          // Not a connection problem (a schema from a newer collector, say): retrying cannot help.
          log(`postgres: cannot use the database: ${lastProblem}`);
          settleFirst(error);
          throw error;
        }
        settleFirst();
        const wait = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
        log(`postgres: database unreachable (${lastProblem}); retrying in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
    }
  })();
  prepare.catch(() => {}); // reported through `whenReady` and the log

  /** Fails fast while the database is not there yet; a fatal start error is thrown as is. */
  const whenReady = async (): Promise<void> => {
    if (ready) return;
    if (closed) throw new StoreUnavailableError('the collector is shutting down');
    await Promise.race([prepare, Promise.resolve()]);
    if (!ready) throw new StoreUnavailableError(`the database is not reachable: ${lastProblem}`);
  };

  const unavailable = (error: unknown): unknown =>
    isConnectionError(error) ? new StoreUnavailableError(`the database is not reachable: ${(error as Error).message}`) : error;

  /** A read: fails fast with StoreUnavailableError while the database is away. */
  const guard =
    <A extends unknown[], T>(read: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      await whenReady();
      try {
        return await read(...args);
      } catch (error) {
        throw unavailable(error);
      }
    };

  const engine: Engine = {
    name: 'postgres',
    async transaction(locks, work) {
      await whenReady();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw unavailable(error);
      }
      let broken: Error | undefined;
      // A connection that dies between two queries is reported as an event on the client: with
      // no listener that is an uncaught exception, which would end the process.
      const onError = (error: Error): void => void (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        await takeLocks(client, locks);
        const result = await work(createPostgresRecordTx(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (isConnectionError(error)) broken ??= error as Error;
        else await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
        // A cancelled statement may leave the connection mid-protocol: do not reuse it.
        if (sqlstate(error) == '57014' || /Query read timeout/.test((error as Error)?.message)) broken ??= error as Error;
        if (CONFLICT_SQLSTATE.has(sqlstate(error))) throw new TransactionConflictError((error as Error).message);
        throw unavailable(error);
      } finally {
        client.off('error', onError);
        // A client whose connection broke is discarded, not given to the next request.
        client.release(broken);
      }
    },
    reads: Object.fromEntries(Object.entries(reads).map(([name, read]) => [name, guard(read)])) as unknown as typeof reads,
    exportEvents: guard((site: string, after: string | undefined, limit: number | undefined) => exporter.open(site, after, limit)),
    isCursor: isPostgresCursor,
    // No query returns an old row version; VACUUM reclaims their space in its own time.
    afterErasure: async () => {},
    ping: guard(async () => {
      await pool.query('SELECT 1');
    }),
    async close() {
      closed = true;
      exporter.closeAll();
      await pool.end();
    },
  };
  return { engine, firstAttempt };
}
