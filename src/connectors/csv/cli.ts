import cliProgress from 'cli-progress';
import type { AppContext } from '../../http/context.ts';
import { entityNamed } from '../entities.ts';
import { runImport } from './import.ts';

/** `openib import <entity> <file.csv>`: streams the file through the ingest functions with a progress bar on stderr. */
export async function importCommand(ctx: AppContext, entityName: string, file: string, opts: { report?: string; restart?: boolean; chunkSize?: string }): Promise<number> {
  const entity = entityNamed(entityName);
  if (!entity) throw new Error(`Unknown entity "${entityName}"; use customers, transactions, activity or deals.`);
  const chunkSize = opts.chunkSize ? Number(opts.chunkSize) : undefined;
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000)) throw new Error('--chunk-size must be an integer from 1 to 10000.');
  // Off a terminal (a log, CI) the bar prints one plain line every 2 s instead of redrawing.
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'import {bar} {percentage}% | {rows} rows, {stored} stored, {rejected} rejected', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let started = false;
  try {
    const job = await runImport(ctx.db, {
      entity,
      filePath: file,
      reportPath: opts.report,
      restart: opts.restart,
      chunkSize,
      signal: controller.signal,
      timeZone: ctx.config.brokerTimeZone,
      onProgress: (p) => {
        if (!started) {
          bar.start(Math.max(p.totalBytes, 1), 0, { rows: 0, stored: 0, rejected: 0 });
          started = true;
        }
        bar.update(p.bytes, { rows: p.rows, stored: p.stored, rejected: p.rejected });
      },
    });
    if (started) bar.stop();
    process.stdout.write(
      `Import ${job.id} ${job.status}: ${job.rows_done} rows read, ${job.rows_stored} stored, ${job.rows_rejected} rejected.\n` +
        (Number(job.rows_rejected) ? `Validation report (row, field, reason): ${job.report_path}\n` : '') +
        (job.status === 'interrupted' ? 'Run the same command again to continue where it stopped.\n' : '') +
        (job.error ? `${job.error}\n` : ''),
    );
    return job.status === 'completed' || job.status === 'interrupted' ? 0 : 1;
  } finally {
    if (started) bar.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
