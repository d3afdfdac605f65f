import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/index.ts';
import { notFound } from '../../shared/errors.ts';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed' | 'interrupted';

export interface ImportRow {
  id: string;
  entity: string;
  file_name: string;
  file_path: string;
  fingerprint: string;
  status: ImportStatus;
  header: string[] | null;
  file_bytes: number;
  position_bytes: number;
  rows_done: number;
  rows_stored: number;
  rows_rejected: number;
  report_path: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const COLUMNS =
  'id, entity, file_name, file_path, fingerprint, status, header, file_bytes, position_bytes, rows_done, rows_stored, rows_rejected, report_path, error, created_at, updated_at, finished_at';

export const newImportId = () => `imp_${randomBytes(9).toString('base64url')}`;

export async function createImport(db: Sql, row: { id: string; entity: string; fileName: string; filePath: string; fingerprint: string; fileBytes: number; reportPath: string; status?: ImportStatus }): Promise<ImportRow> {
  const [created] = await db.query<ImportRow>(
    `INSERT INTO connector_imports (id, entity, file_name, file_path, fingerprint, status, file_bytes, report_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [row.id, row.entity, row.fileName, row.filePath, row.fingerprint, row.status ?? 'queued', row.fileBytes, row.reportPath],
  );
  return created;
}

export async function getImport(db: Sql, id: string): Promise<ImportRow> {
  const [row] = await db.query<ImportRow>(`SELECT ${COLUMNS} FROM connector_imports WHERE id = $1`, [id]);
  if (!row) throw notFound(`Import "${id}"`);
  return row;
}

/** The latest import of the same file: an unfinished one is continued, a completed one is not run again. */
export async function latestImport(db: Sql, fingerprint: string): Promise<ImportRow | undefined> {
  const [row] = await db.query<ImportRow>(
    `SELECT ${COLUMNS} FROM connector_imports WHERE fingerprint = $1 ORDER BY created_at DESC, id LIMIT 1`,
    [fingerprint],
  );
  return row;
}

export async function listImports(db: Sql, limit = 100): Promise<ImportRow[]> {
  return db.query<ImportRow>(`SELECT ${COLUMNS} FROM connector_imports ORDER BY created_at DESC, id LIMIT $1`, [limit]);
}

export async function setImportStatus(db: Sql, id: string, status: ImportStatus, error?: string): Promise<void> {
  await db.query(
    `UPDATE connector_imports SET status = $2, error = $3, updated_at = now(), finished_at = CASE WHEN $2 IN ('completed', 'failed') THEN now() ELSE finished_at END WHERE id = $1`,
    [id, status, error?.slice(0, 2000) ?? null],
  );
}
