/**
 * Redis connection settings for BullMQ from a `--backend redis://[user:password@]HOST:PORT[/DB]` URL.
 *
 * BullMQ 6 no longer depends on ioredis (it is an optional peer), so `ioredis` must be installed next to `bullmq`.
 * Worker connections need `maxRetriesPerRequest: null` (BullMQ's blocking commands must not be cut short); the
 * queue side uses the same setting so one options object serves both.
 */
import { Redis } from 'ioredis';

/** Bad `--backend` value (exit code 2) or an unreachable server (exit code 1). */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
}

/** Parse and check a redis:// URL, naming the flag and the value in errors. */
export function parseRedisUrl(url: string, flag = '--backend'): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BackendError(`${flag}: '${url}' is not a URL; expected redis://HOST:PORT, e.g. redis://127.0.0.1:6379`, 2);
  }
  if (u.protocol !== 'redis:') throw new BackendError(`${flag}: '${url}' has scheme '${u.protocol.replace(/:$/, '')}'; expected redis://HOST:PORT (the only backend is Redis)`, 2);
  if (!u.hostname) throw new BackendError(`${flag}: '${url}' has no host; expected redis://HOST:PORT`, 2);
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new BackendError(`${flag}: port '${u.port}' in '${url}' is not valid; expected 1-65535`, 2);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!(Number.isInteger(db) && db >= 0 && db <= 15)) throw new BackendError(`${flag}: database '${path}' in '${url}' is not valid; expected an integer 0-15 (redis://HOST:PORT/DB)`, 2);
  const conn: RedisConnection = { host: u.hostname.replace(/^\[|\]$/g, ''), port, db, maxRetriesPerRequest: null };
  if (u.username) conn.username = decodeURIComponent(u.username);
  if (u.password) conn.password = decodeURIComponent(u.password);
  return conn;
}

/** The URL without a password, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Fail fast (exit code 1) when nothing answers at the URL, instead of letting BullMQ retry forever. */
export async function pingRedis(url: string, timeoutMs = 5000): Promise<void> {
  const conn = parseRedisUrl(url);
  const client = new Redis({ ...conn, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    // the socket error (ECONNREFUSED, ENOTFOUND, …) says more than connect()'s "Connection is closed"
    lastError = e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = lastError?.message ?? (e instanceof Error ? e.message : String(e));
    throw new BackendError(`cannot reach Redis at ${displayUrl(url)}: ${why}; start redis-server there or fix --backend`, 1);
  } finally {
    client.disconnect();
  }
}
