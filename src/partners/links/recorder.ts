import type { Database, Sql } from '../../db/index.ts';
import { appendEvents, type NewEvent } from '../../events/outbox.ts';

export interface ClickRow {
  click_id: string;
  link_id: string;
  partner_id: string;
  clicked_at: Date;
  ip_hash: string | null;
  user_agent: string | null;
  referrer: string | null;
  country: string | null;
  sub_id: string | null;
  /** Why the click is not a person's (docs/risk.md); such clicks do not count. */
  bot_reason?: string | null;
}

export interface RecorderOptions {
  intervalMs?: number;
  maxBatch?: number;
  /** Clicks kept while the database is unreachable; beyond this the oldest are dropped (and counted). */
  maxBuffered?: number;
  onError?: (err: unknown, buffered: number) => void;
}

// Events carry at most this many click ids per link and batch; the count is always exact.
const SAMPLE = 100;

/** Stores clicks set-based with one aggregated link.clicked event per link (per batch). */
export async function insertClicks(tx: Sql, rows: ClickRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof ClickRow>(k: K) => rows.map((r) => r[k]);
  await tx.query(
    `INSERT INTO clicks (click_id, link_id, partner_id, clicked_at, ip_hash, user_agent, referrer, country, sub_id, bot_reason)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
     ON CONFLICT (click_id) DO NOTHING`,
    [col('click_id'), col('link_id'), col('partner_id'), rows.map((r) => r.clicked_at.toISOString()), col('ip_hash'), col('user_agent'), col('referrer'), col('country'), col('sub_id'), rows.map((r) => r.bot_reason ?? null)],
  );
  const byLink = new Map<string, ClickRow[]>();
  for (const r of rows) {
    const list = byLink.get(r.link_id);
    if (list) list.push(r);
    else byLink.set(r.link_id, [r]);
  }
  const events: NewEvent[] = [...byLink.values()].map((clicks) => ({
    type: 'link.clicked',
    subjectType: 'link',
    subjectId: clicks[0].link_id,
    occurredAt: clicks[clicks.length - 1].clicked_at.toISOString(),
    data: {
      link_id: clicks[0].link_id,
      partner_id: clicks[0].partner_id,
      clicks: clicks.length,
      first_click_at: clicks[0].clicked_at.toISOString(),
      last_click_at: clicks[clicks.length - 1].clicked_at.toISOString(),
      click_ids: clicks.slice(0, SAMPLE).map((c) => c.click_id),
      sampled: clicks.length > SAMPLE,
    },
  }));
  await appendEvents(tx, events);
}

/**
 * Buffers clicks in memory and writes them in batches (every intervalMs, or at once when maxBatch
 * are waiting), so a redirect never waits for the database. close() writes whatever is buffered:
 * a clean shutdown loses no click that was answered.
 */
export class ClickRecorder {
  private buffer: ClickRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private readonly db: Database;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly onError: (err: unknown, buffered: number) => void;
  dropped = 0;
  written = 0;

  constructor(db: Database, opts: RecorderOptions = {}) {
    this.db = db;
    this.intervalMs = opts.intervalMs ?? 250;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxBuffered = opts.maxBuffered ?? 200_000;
    this.onError = opts.onError ?? (() => {});
  }

  get pending(): number {
    return this.buffer.length;
  }

  record(row: ClickRow): void {
    this.buffer.push(row);
    if (this.buffer.length > this.maxBuffered) {
      const excess = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered now; resolves when it is stored (or has failed and stays buffered). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // At most one drain waits behind the running one; the running one takes what arrives meanwhile.
    if (!this.queued) {
      this.queued = true;
      this.chain = this.chain.then(() => {
        this.queued = false;
        return this.drain();
      });
    }
    return this.chain;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, this.maxBatch);
      try {
        await this.db.transaction((tx) => insertClicks(tx, batch));
        this.written += batch.length;
      } catch (err) {
        this.buffer.unshift(...batch);
        this.onError(err, this.buffer.length);
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), Math.max(this.intervalMs, 1000));
          this.timer.unref();
        }
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
