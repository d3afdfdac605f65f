/**
 * The test command: the whole suite on embedded PGlite, then again on a PostgreSQL server
 * (a fresh database per test file on OPENIB_TEST_POSTGRES_URL, default 127.0.0.1:5432).
 * Set OPENIB_TEST_BACKENDS=pglite or =postgres to run one backend only. After the PostgreSQL pass the
 * benchmarks run once in their quick size, alone, so their long transactions stall no other test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

interface Outcome {
  status: number;
  /** Test files whose worker process died before they finished (their tests never reported). */
  unfinished: string[];
  /** Whether every error of the run was such a death: no test failed, nothing else went wrong. */
  onlyLostWorkers: boolean;
}

/**
 * Runs vitest, its output passed through as it comes, and reads back what it reported. Vitest says
 * "Worker exited unexpectedly" when the process running a test file dies under it (a crash of the
 * process itself, not a failing test): those files are named so they can be run again.
 */
async function vitest(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'openib-test-report-'));
  const report = join(dir, 'report.json');
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args], {
    stdio: ['inherit', 'pipe', 'pipe'],
    env,
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    // Only the summary at the end matters; the rest streams through.
    tail = (tail + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout.on('data', (c: Buffer) => (process.stdout.write(c), keep(c)));
  child.stderr.on('data', (c: Buffer) => (process.stderr.write(c), keep(c)));
  const status = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  let unfinished: string[] = [];
  let failedTests = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numFailedTests: number;
      numFailedTestSuites: number;
      testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
    };
    failedTests = json.numFailedTests + json.numFailedTestSuites + json.testResults.filter((t) => t.status === 'failed').length;
    unfinished = json.testResults.filter((t) => t.assertionResults.some((a) => a.status === 'pending')).map((t) => t.name);
  } catch {
    failedTests = -1; // no report: nothing can be said
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const plain = tail.replace(/\u001b\[[0-9;]*m/g, '');
  const errors = Number(/Errors\s+(\d+) errors?/.exec(plain)?.[1] ?? 0);
  const lost = plain.match(/Worker exited unexpectedly/g)?.length ?? 0;
  return { status, unfinished, onlyLostWorkers: status !== 0 && failedTests === 0 && unfinished.length > 0 && errors > 0 && errors <= lost };
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
  const env = { ...process.env, OPENIB_TEST_DB: backend };
  let run = await vitest(extra, env);
  if (run.onlyLostWorkers) {
    // No test failed: a test process died under vitest. Its files are run again, once, on their
    // own; they must pass then, and the crash stays in the log above for whoever looks into it.
    process.stdout.write(`\n=== No test failed, but the process running ${run.unfinished.length} test file(s) died before they finished; running them again once: ${run.unfinished.join(', ')} ===\n`);
    run = await vitest(run.unfinished, env);
  }
  if (run.status !== 0) failed = true;
  // The benchmarks' quick size, once, on its own: it proves they run, not how fast.
  if (backend === 'postgres' && extra.length === 0) {
    process.stdout.write('\n=== Benchmark smoke run (npm run bench -- --quick) ===\n');
    const bench = await vitest([], { ...process.env, OPENIB_TEST_DB: backend, OPENIB_TEST_BENCH: '1' });
    if (bench.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
