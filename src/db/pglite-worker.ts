/**
 * Hosts the embedded PGlite database on its own thread. PGlite runs on the thread that calls it,
 * so keeping it here leaves the HTTP server's event loop free while large batches are written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { textParsers } from './parsers.ts';

interface Request {
  id: number;
  op: 'query' | 'exec' | 'listen' | 'close';
  text?: string;
  params?: unknown[];
  channel?: string;
}

const port = parentPort;
if (!port) throw new Error('pglite-worker must run as a worker thread');

const { dataDir } = workerData as { dataDir?: string };
const parsers = Object.fromEntries(Object.entries(textParsers).map(([oid, f]) => [oid, (text: string) => f(text)]));
// btree_gist backs the attribution table's "one owner at a time" exclusion constraint.
const db = await PGlite.create(dataDir ?? 'memory://', { parsers, extensions: { btree_gist } });
await db.exec(`SET TimeZone = 'UTC'`);
// The write-ahead log grows to a gigabyte with the defaults; cap it so the data folder stays small.
await db.query(`ALTER SYSTEM SET max_wal_size = '64MB'`);
await db.query(`ALTER SYSTEM SET min_wal_size = '32MB'`);
await db.query('SELECT pg_reload_conf()');

function serialiseError(err: unknown) {
  const e = err as Record<string, unknown>;
  return {
    message: String(e?.message ?? err),
    code: e?.code,
    detail: e?.detail,
    constraint: e?.constraint,
    table: e?.table,
    column: e?.column,
  };
}

port.on('message', async (msg: Request) => {
  try {
    if (msg.op === 'query') {
      const res = await db.query(msg.text ?? '', msg.params ?? []);
      port.postMessage({ id: msg.id, rows: res.rows });
    } else if (msg.op === 'exec') {
      await db.exec(msg.text ?? '');
      port.postMessage({ id: msg.id, rows: [] });
    } else if (msg.op === 'listen') {
      const channel = msg.channel ?? '';
      await db.listen(channel, (payload) => port.postMessage({ notify: channel, payload }));
      port.postMessage({ id: msg.id, rows: [] });
    } else if (msg.op === 'close') {
      await db.close();
      port.postMessage({ id: msg.id, rows: [] });
    }
  } catch (err) {
    port.postMessage({ id: msg.id, error: serialiseError(err) });
  }
});
port.postMessage({ ready: true });
