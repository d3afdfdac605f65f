import { AppError } from '../../shared/errors.ts';
import { getPath, mapRecord } from '../mapping/apply.ts';
import { requireMapping } from '../mapping/store.ts';
import type { RestConfig } from '../pull/config.ts';
import type { RunContext } from '../pull/run.ts';
import { fetchJsonWithRetry } from './http.ts';

/*
 * Pages through a broker's REST API. Each page is mapped with the connector's mapping and
 * committed with the cursor of the page after it:
 *  - page: the next page number; a short page is read again next run (records may be appended);
 *  - cursor: the cursor the API returned; the last one is kept for the next run;
 *  - modified_since: one run reads pages of "modified since T" (T fixed for the run, page moving),
 *    then the next run starts from the largest modification time seen.
 */

const EPOCH = '1970-01-01T00:00:00Z';

function fill(template: string, values: Record<string, string | number | null | undefined>): string {
  return template.replace(/\{(page|per_page|cursor|modified_since)\}/g, (_, key: string) => encodeURIComponent(String(values[key] ?? '')));
}

export async function pullRest(run: RunContext): Promise<void> {
  const config = run.config as unknown as RestConfig;
  const mapping = await requireMapping(run.app.db, run.app.config.mappingsDir, config.mapping);
  const rule = mapping.events[config.event];
  if (!rule) throw new AppError(422, 'mapping_event_missing', `Mapping "${mapping.name}" has no event "${config.event}".`);
  const p = config.pagination;
  const perPage = p.per_page ?? 100;
  const headers: Record<string, string> = { accept: 'application/json', ...(config.headers ?? {}) };
  if (run.secrets.auth_header) headers[run.secrets.auth_header.name] = run.secrets.auth_header.value;
  const cursor = { ...run.cursor } as { page?: number; cursor?: string | null; modified_since?: string; max_seen?: string };

  for (let pages = 0; pages < (config.max_pages_per_run ?? 100); pages++) {
    if (run.signal.aborted) return;
    const page = cursor.page ?? (p.style === 'page' ? (p.first_page ?? 1) : 1);
    const since = cursor.modified_since ?? (p.style === 'modified_since' ? (p.initial ?? EPOCH) : undefined);
    const url = fill(config.url, { page, per_page: perPage, cursor: cursor.cursor, modified_since: since });
    const body = await fetchJsonWithRetry(url, headers, config, run.signal);
    const list = config.records_path ? getPath(body, config.records_path) : body;
    if (!Array.isArray(list)) throw new Error(`The answer from ${new URL(url).origin} has no list at "${config.records_path}".`);

    const mapped = list.map((item, index) => mapRecord(rule, item, index));
    const refused = mapped.flatMap((m, index) => (m.issues.length ? [{ index, issues: m.issues }] : []));
    const next: typeof cursor = { ...cursor };
    let done = false;
    if (p.style === 'page') {
      done = list.length < perPage;
      next.page = done ? page : page + 1;
    } else if (p.style === 'cursor') {
      const following = getPath(body, p.cursor_path);
      done = following === null || following === undefined || following === '' || list.length === 0;
      if (!done) next.cursor = String(following);
    } else {
      let maxSeen = cursor.max_seen ?? since ?? EPOCH;
      for (const item of list) {
        const m = getPath(item, p.modified_path);
        if (typeof m === 'string' && m > maxSeen) maxSeen = m;
      }
      done = list.length < perPage;
      Object.assign(next, done ? { modified_since: maxSeen, page: 1, max_seen: undefined } : { modified_since: since, page: page + 1, max_seen: maxSeen });
    }
    const lag = p.style === 'modified_since' && next.modified_since ? Math.max(0, Math.round((Date.now() - Date.parse(next.modified_since)) / 1000)) : null;
    await run.commit([{ entity: rule.entity, records: mapped.map((m) => m.record), refused }], JSON.parse(JSON.stringify(next)), Number.isFinite(lag) ? lag : null);
    Object.assign(cursor, next);
    if (done) return;
  }
}
