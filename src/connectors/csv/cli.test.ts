import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_BACKEND } from '../../../test/helpers/database.ts';

const run = promisify(execFile);
const BIN = new URL('../../../bin/openib', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'openib-import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The command is exercised on the embedded database; the PostgreSQL pass has nothing to add here.
describe.skipIf(TEST_BACKEND === 'postgres')('openib import (embedded database; runs in the PGlite pass)', () => {
  it('imports a CSV file, prints a summary, writes the report and does not import the same file twice', async () => {
    const env = { ...process.env, OPENIB_DATA_DIR: join(dir, 'data'), OPENIB_DEMO: '0' };
    const file = join(dir, 'customers.csv');
    writeFileSync(file, 'customer_id,signup_date,affiliate_id\nK-1,2026-03-01T10:00:00Z,IB-1\nK-2,bad,IB-1\nK-3,2026-03-01T12:00:00Z,\n');
    const first = await run(BIN, ['import', 'customers', file], { env });
    expect(first.stdout).toMatch(/^Import imp_\S+ completed: 3 rows read, 2 stored, 1 rejected\.\nValidation report \(row, field, reason\): .*customers\.csv\.report\.csv\n$/);
    expect(readFileSync(`${file}.report.csv`, 'utf8')).toBe('row,field,reason\n2,signup_date,must be an ISO 8601 date-time such as 2026-03-01T14:05:00Z\n');
    const again = await run(BIN, ['import', 'customers', file], { env });
    expect(again.stdout.split(':')[0]).toBe(first.stdout.split(':')[0]);
    await expect(run(BIN, ['import', 'partners', file], { env })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Unknown entity "partners"/) });
  });
});
