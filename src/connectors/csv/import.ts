import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'csv-parse';
import type { Database } from '../../db/index.ts';
import type { FieldIssue } from '../../shared/errors.ts';
import { applyLenient } from '../apply.ts';
import { ENTITIES, type EntityName } from '../entities.ts';
import { createImport, getImport, type ImportRow, newImportId, setImportStatus, latestImport } from './store.ts';
import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../../shared/csv.ts';

/*
 * CSV backfill. The file is streamed, never loaded whole, in chunks (1000 rows by default); each
 * chunk is validated and upserted by the ingest functions in one transaction together with the
 * import's position (byte offset and row count), so an interrupted import continues exactly after
 * the last committed chunk. Unlike a data API batch, a bad row does not sink its chunk: it is
 * written to the validation report (row, field, reason) and the good rows are stored.
 */

export interface ImportProgress {
  bytes: number;
  totalBytes: number;
  rows: number;
  stored: number;
  rejected: number;
}

export interface ImportOptions {
  entity: EntityName;
  filePath: string;
  /** Continue this import (API uploads); otherwise an unfinished import of the same file is continued. */
  importId?: string;
  fileName?: string;
  reportPath?: string;
  chunkSize?: number;
  /** Start from the top even if this file was imported before (completed or not). */
  restart?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  timeZone: string;
}

function fingerprint(entity: string, path: string): string {
  const st = statSync(path);
  return createHash('sha256').update(`${entity}\n${resolve(path)}\n${st.size}\n${st.mtimeMs}`).digest('hex');
}


/** A CSV row as a raw record: empty cells are absent, except required text fields (affiliate_id may be ""). */
function toRaw(entity: EntityName, row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === '' || v === undefined) {
      const spec = ENTITIES[entity].specs.find((s) => s.name === k);
      if (spec?.kind === 'text' && spec.required) out[k] = '';
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** A header must name each column once, and only fields the entity has. */
function headerProblem(entity: EntityName, header: string[]): string | undefined {
  const known = new Set(ENTITIES[entity].specs.flatMap((s) => [s.name, ...(s.aliases ?? [])]));
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length) return `The header names columns a ${entity} does not have: ${unknown.slice(0, 10).join(', ')}. Known: ${[...known].join(', ')}.`;
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) return `The header names column "${dup}" twice.`;
  return undefined;
}

async function prepare(db: Database, opts: ImportOptions): Promise<ImportRow> {
  if (opts.importId) return getImport(db, opts.importId);
  if (!existsSync(opts.filePath)) throw new Error(`No file at ${opts.filePath}.`);
  const fp = fingerprint(opts.entity, opts.filePath);
  const previous = opts.restart ? undefined : await latestImport(db, fp);
  if (previous) return previous;
  const reportPath = opts.reportPath ?? `${opts.filePath}.report.csv`;
  writeFileSync(reportPath, 'row,field,reason\n');
  return createImport(db, {
    id: newImportId(),
    entity: opts.entity,
    fileName: opts.fileName ?? basename(opts.filePath),
    filePath: resolve(opts.filePath),
    fingerprint: fp,
    fileBytes: statSync(opts.filePath).size,
    reportPath,
    status: 'running',
  });
}

export async function runImport(db: Database, opts: ImportOptions): Promise<ImportRow> {
  const job = await prepare(db, opts);
  if (job.status === 'completed') return job;
  const entity = job.entity as EntityName;
  const chunkSize = opts.chunkSize ?? 1000;
  await setImportStatus(db, job.id, 'running');
  if (job.report_path && !existsSync(job.report_path)) writeFileSync(job.report_path, 'row,field,reason\n');
  let position = Number(job.position_bytes);
  let rows = Number(job.rows_done);
  let stored = Number(job.rows_stored);
  let rejected = Number(job.rows_rejected);
  const total = Number(job.file_bytes);
  const report = (lines: { row: number; issues: FieldIssue[] }[]) => {
    const text = stringify(lines.flatMap((l) => l.issues.map((i) => [String(l.row), csvCell(i.field), csvCell(i.reason)])));
    if (text && job.report_path) appendFileSync(job.report_path, text);
  };

  const start = position;
  const parser = createReadStream(job.file_path, { start }).pipe(
    parse({ columns: false, info: true, bom: start === 0, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true, trim: true }),
  );
  const skipped: { row: number; issues: FieldIssue[] }[] = [];
  parser.on('skip', (err: Error & { lines?: number }) => skipped.push({ row: rows + 1, issues: [{ field: '(row)', reason: `unreadable CSV near line ${err.lines ?? '?'}: ${err.message}` }] }));

  let header = job.header;
  let chunk: { raw: Record<string, unknown>; row: number; bad?: FieldIssue[] }[] = [];
  let chunkEnd = position;
  const flush = async () => {
    const good = chunk.filter((c) => !c.bad);
    const bad = [...skipped.splice(0), ...chunk.filter((c) => c.bad).map((c) => ({ row: c.row, issues: c.bad as FieldIssue[] }))];
    const committed = await db.transaction(async (tx) => {
      const out = good.length ? await applyLenient(tx, entity, good.map((g) => g.raw), { timeZone: opts.timeZone }) : { storedIndexes: [], rejected: [] };
      const inRows = (i: FieldIssue) => ({ ...i, reason: i.reason.replace(/the record at index (\d+)/, (_, k: string) => `row ${good[Number(k)]?.row ?? k}`) });
      const refused = [...bad, ...out.rejected.map((r) => ({ row: good[r.index].row, issues: r.issues.map(inRows) }))].sort((a, b) => a.row - b.row);
      await tx.query(
        `UPDATE connector_imports SET position_bytes = $2, rows_done = $3, rows_stored = rows_stored + $4, rows_rejected = rows_rejected + $5, header = $6::jsonb, updated_at = now() WHERE id = $1`,
        [job.id, chunkEnd, rows, out.storedIndexes.length, refused.length, JSON.stringify(header)],
      );
      return { stored: out.storedIndexes.length, refused };
    });
    report(committed.refused);
    stored += committed.stored;
    rejected += committed.refused.length;
    position = chunkEnd;
    chunk = [];
    opts.onProgress?.({ bytes: position, totalBytes: total, rows, stored, rejected });
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      if (!header) {
        header = record.map((h) => h.trim());
        const problem = headerProblem(entity, header);
        if (problem) throw new Error(problem);
        chunkEnd = start + info.bytes;
        continue;
      }
      rows++;
      const cells = header;
      chunk.push({
        raw: toRaw(entity, Object.fromEntries(cells.map((name, i) => [name, record[i] ?? '']))),
        row: rows,
        bad: record.length !== cells.length ? [{ field: '(row)', reason: `has ${record.length} fields; the header has ${cells.length}` }] : undefined,
      });
      chunkEnd = start + info.bytes;
      if (chunk.length >= chunkSize) {
        await flush();
        if (opts.signal?.aborted) {
          parser.destroy();
          await setImportStatus(db, job.id, 'interrupted');
          return getImport(db, job.id);
        }
      }
    }
    if (chunk.length || skipped.length) await flush();
    await setImportStatus(db, job.id, 'completed');
  } catch (err) {
    await setImportStatus(db, job.id, 'failed', `${(err as Error).message} (rows before ${rows + 1} are stored; fix the file and run the import again to continue)`);
  }
  return getImport(db, job.id);
}
