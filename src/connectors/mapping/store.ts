import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../../db/index.ts';
import { AppError, notFound, validationFailed } from '../../shared/errors.ts';
import { type Mapping, mappingIssues } from './schema.ts';

/*
 * Mappings come from two places: documents stored through the admin API (table
 * connector_mappings) and files `<mappingsDir>/<name>.json` shipped with a deployment. A stored
 * document wins over a file of the same name.
 */

export interface MappingEntry {
  name: string;
  origin: 'api' | 'file';
  document: Mapping;
  updated_at: string | null;
}

function readFileMapping(dir: string, file: string): Mapping {
  const text = readFileSync(join(dir, file), 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`Mapping file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const issues = mappingIssues(doc);
  if (issues.length) throw new Error(`Mapping file ${file} is invalid: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`);
  if ((doc as Mapping).name !== file.replace(/\.json$/, '')) throw new Error(`Mapping file ${file} must carry "name": "${file.replace(/\.json$/, '')}".`);
  return doc as Mapping;
}

function fileNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => /^[a-z0-9][a-z0-9._-]{0,99}\.json$/.test(f)).sort();
  } catch {
    return [];
  }
}

export async function findMapping(db: Sql, dir: string, name: string): Promise<Mapping | undefined> {
  const [row] = await db.query<{ document: Mapping }>('SELECT document FROM connector_mappings WHERE name = $1', [name]);
  if (row) return row.document;
  if (!fileNames(dir).includes(`${name}.json`)) return undefined;
  return readFileMapping(dir, `${name}.json`);
}

export async function requireMapping(db: Sql, dir: string, name: string): Promise<Mapping> {
  const mapping = await findMapping(db, dir, name);
  if (!mapping) throw new AppError(422, 'mapping_missing', `No mapping named "${name}" exists; store it with PUT /api/v1/connectors/mappings/${name} or add ${name}.json to the mappings folder.`);
  return mapping;
}

export async function listMappings(db: Sql, dir: string): Promise<MappingEntry[]> {
  const stored = await db.query<{ name: string; document: Mapping; updated_at: string }>('SELECT name, document, updated_at FROM connector_mappings ORDER BY name');
  const names = new Set(stored.map((s) => s.name));
  const entries: MappingEntry[] = stored.map((s) => ({ name: s.name, origin: 'api', document: s.document, updated_at: s.updated_at }));
  for (const file of fileNames(dir)) {
    const name = file.replace(/\.json$/, '');
    if (names.has(name)) continue;
    try {
      entries.push({ name, origin: 'file', document: readFileMapping(dir, file), updated_at: null });
    } catch {
      // An unreadable file is reported when something uses it, not in the list.
    }
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Stores (creates or replaces) a mapping document after checking it. */
export async function putMapping(db: Sql, name: string, doc: unknown): Promise<MappingEntry> {
  const issues = mappingIssues(doc);
  if (issues.length) throw validationFailed(issues, `The mapping is invalid and was not stored: ${issues.length} problem(s); see details.`);
  const mapping = doc as Mapping;
  if (mapping.name !== name) throw validationFailed([{ field: 'name', reason: `must equal the name in the URL ("${name}")` }]);
  const [row] = await db.query<{ updated_at: string }>(
    `INSERT INTO connector_mappings (name, document) VALUES ($1, $2::jsonb)
     ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document, updated_at = now() RETURNING updated_at`,
    [name, JSON.stringify(mapping)],
  );
  return { name, origin: 'api', document: mapping, updated_at: row.updated_at };
}

export async function deleteMapping(db: Sql, name: string): Promise<void> {
  const rows = await db.query('DELETE FROM connector_mappings WHERE name = $1 RETURNING name', [name]);
  if (rows.length === 0) throw notFound(`A stored mapping named "${name}" (files are removed from the folder, not through the API)`);
}
