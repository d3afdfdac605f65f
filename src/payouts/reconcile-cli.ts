import { writeFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { parseDate } from '../shared/dates.ts';
import { reconcile, summarise } from './reconcile.ts';
import { reconciliationCsv } from './reconcile-csv.ts';

/** `openib reconcile`: writes the comparison to a CSV file and answers a one-line summary. */
export async function reconcileCommand(
  ctx: { db: Database; config: Config },
  opts: { from: string; to: string; out: string; perCustomer?: boolean; tolerance?: string },
): Promise<string> {
  for (const [name, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
    const d = parseDate(value);
    if ('reason' in d) throw new Error(`${name} ${d.reason}`);
  }
  if (opts.from > opts.to) throw new Error('--from must not be after --to');
  const tolerance = opts.tolerance ?? ctx.config.payouts.reconciliationTolerance;
  if (!/^\d{1,12}(\.\d{1,8})?$/.test(tolerance)) throw new Error('--tolerance must be a non-negative decimal such as 0.01');
  const rows = await reconcile(ctx.db, { from: opts.from, to: opts.to, perCustomer: Boolean(opts.perCustomer), tolerance, timeZone: ctx.config.brokerTimeZone });
  writeFileSync(opts.out, reconciliationCsv(rows));
  const s = summarise(rows);
  return `Reconciled ${opts.from}..${opts.to}: ${s.matched} matched, ${s.differs} differ, ${s.only_in_openib} only in OpenIB, ${s.only_at_broker} only at the broker → ${opts.out}`;
}
