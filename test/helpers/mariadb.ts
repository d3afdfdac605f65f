import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The MariaDB/MySQL server the MT4/MT5 connector tests use (root, no password, by default). */
export const MYSQL_URL = process.env.OPENIB_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface ScratchDatabase {
  /** mysql:// URL of the scratch database, for a connector's secrets. */
  url: string;
  conn: mysql.Connection;
  drop(): Promise<void>;
}

/**
 * A scratch database for one test file, dropped afterwards. Fails loudly, naming the server, when
 * it cannot be reached: these tests never skip silently.
 */
export async function scratchMysql(): Promise<ScratchDatabase> {
  const base = new URL(MYSQL_URL);
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 5000 });
  } catch (err) {
    throw new Error(
      `MariaDB is not reachable at ${base.hostname}:${base.port || 3306} (${(err as Error).message}). The MT4/MT5 connector tests need it: ` +
        'start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` (.ci/run does this when it is installed), or set OPENIB_TEST_MYSQL_URL.',
    );
  }
  const name = `openib_mt_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  const conn = await mysql.createConnection({ uri: url.toString(), multipleStatements: true });
  return {
    url: url.toString(),
    conn,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
