/**
 * The test command: the whole suite on embedded PGlite, then again on a PostgreSQL server
 * (a fresh database per test file on OPENIB_TEST_POSTGRES_URL, default 127.0.0.1:5432).
 * Set OPENIB_TEST_BACKENDS=pglite or =postgres to run one backend only. After the PostgreSQL pass the
 * benchmarks run once in their quick size, alone, so their long transactions stall no other test.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.OPENIB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const backends = (process.env.OPENIB_TEST_BACKENDS ?? 'pglite,postgres').split(',').map((s) => s.trim());
const extra = process.argv.slice(2);

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

let failed = false;
for (const backend of backends) {
  if (backend === 'postgres') {
    const problem = await postgresReachable();
    if (problem) {
      process.stderr.write(
        `\nPostgreSQL is not reachable at ${url}: ${problem}\nThe PostgreSQL half of the suite cannot run. Start the server (see README "Tests"), or set OPENIB_TEST_BACKENDS=pglite to run the embedded half alone.\n`,
      );
      failed = true;
      continue;
    }
  }
  process.stdout.write(`\n=== Test suite on ${backend} ===\n`);
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, OPENIB_TEST_DB: backend },
  });
  if (run.status !== 0) failed = true;
  // The benchmarks' quick size, once, on its own: it proves they run, not how fast.
  if (backend === 'postgres' && extra.length === 0) {
    process.stdout.write('\n=== Benchmark smoke run (npm run bench -- --quick) ===\n');
    const bench = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run'], {
      stdio: 'inherit',
      env: { ...process.env, OPENIB_TEST_DB: backend, OPENIB_TEST_BENCH: '1' },
    });
    if (bench.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
