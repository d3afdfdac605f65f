import type { Sql } from '../../db/index.ts';
import { type RedirectTemplate, redirectTemplate, type UtmValues } from './destination.ts';

/** What the redirect needs to know about a code, prepared once. */
export interface RedirectTarget {
  seq: number;
  link_id: string;
  partner_id: string;
  /** Link enabled and partner active: only then is a click recorded and a click id issued. */
  live: boolean;
  template: RedirectTemplate;
}

interface Entry {
  target: RedirectTarget | null;
  expires: number;
}

/**
 * Code → redirect target, kept for a few seconds so a busy link costs no database round trip per
 * click. Unknown codes are remembered too (bounded), so scanning random codes cannot hammer the
 * database. Concurrent misses for one code share a single query. A change made through this
 * process is seen at once; one made through another process within ttlMs.
 */
export class LinkCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<RedirectTarget | null>>();
  private readonly db: Sql;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(db: Sql, opts: { ttlMs?: number; maxEntries?: number } = {}) {
    this.db = db;
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.maxEntries = opts.maxEntries ?? 50_000;
  }

  /** code must already be lower case. */
  lookup(code: string): RedirectTarget | null | Promise<RedirectTarget | null> {
    const hit = this.entries.get(code);
    if (hit && hit.expires > Date.now()) return hit.target;
    const pending = this.loading.get(code);
    if (pending) return pending;
    const load = this.load(code).finally(() => this.loading.delete(code));
    this.loading.set(code, load);
    return load;
  }

  private async load(code: string): Promise<RedirectTarget | null> {
    const [row] = await this.db.query<UtmValues & { seq: number; link_id: string; partner_id: string; destination_url: string; status: string; partner_status: string }>(
      `SELECT l.seq, l.link_id, l.partner_id, l.destination_url, l.status, p.status AS partner_status,
         l.utm_source, l.utm_medium, l.utm_campaign, l.utm_term, l.utm_content
       FROM links l JOIN partners p ON p.partner_id = l.partner_id WHERE lower(l.code) = $1`,
      [code],
    );
    const target = row
      ? {
          seq: row.seq,
          link_id: row.link_id,
          partner_id: row.partner_id,
          live: row.status === 'active' && row.partner_status === 'active',
          template: redirectTemplate(row.destination_url, row),
        }
      : null;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.maxEntries / 10);
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop === 0) break;
      }
    }
    this.entries.set(code, { target, expires: Date.now() + this.ttlMs });
    return target;
  }

  forget(code: string): void {
    this.entries.delete(code.toLowerCase());
  }

  /** After a partner's status changes: every cached link of that partner. */
  forgetPartner(partnerId: string): void {
    for (const [code, entry] of this.entries) if (entry.target?.partner_id === partnerId) this.entries.delete(code);
  }
}
