import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_BACKEND } from '../test/helpers/database.ts';

const run = promisify(execFile);

// The quick size proves every suite still runs end to end and prints finite figures; it asserts
// nothing about speed. It needs the PostgreSQL server, so it runs in the PostgreSQL pass.
describe.skipIf(TEST_BACKEND !== 'postgres')('npm run bench -- --quick (runs in the PostgreSQL pass)', () => {
  it('runs every suite and writes finite figures as JSON', { timeout: 600_000 }, async () => {
    const { stderr } = await run(process.execPath, ['bench/run.ts', '--quick'], { timeout: 600_000, maxBuffer: 10 * 1024 * 1024 });
    const file = /results written to (\S+)/.exec(stderr)?.[1];
    expect(file, stderr).toBeTruthy();
    const result = JSON.parse(readFileSync(file as string, 'utf8'));
    expect(result.quick).toBe(true);
    expect(result.rows.length).toBeGreaterThan(0);
    for (const row of result.rows) expect(Number.isFinite(row.value), `${row.suite} ${row.metric}`).toBe(true);
  });
});
