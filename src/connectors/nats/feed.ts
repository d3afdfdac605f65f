import { type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { AppContext } from '../../http/context.ts';
import { AppError } from '../../shared/errors.ts';
import { applyStrict } from '../apply.ts';
import { addDeadLetters, type DeadPayload } from '../dead-letters.ts';
import { oncePerKey } from '../inbound/receive.ts';
import { parseFeedMessage } from './message.ts';

/*
 * The queue data feed: a durable pull consumer on a JetStream stream. A message is acknowledged
 * only after its records are committed, so a crash before the commit means redelivery, and
 * redelivery is harmless (upserts, and batch ids remembered). A message that can never succeed
 * (not JSON, unknown entity, invalid records) goes to the dead letters and the dead-letter subject
 * and is terminated, so the messages after it keep flowing. Other failures are retried (nak with
 * backoff) up to maxDeliver, then dead-lettered too.
 */

export interface FeedOptions {
  url: string;
  stream: string;
  subjects: string[];
  consumer: string;
  deadLetterSubject: string;
  maxDeliver?: number;
  ackWaitMs?: number;
}

export interface FeedHooks {
  /** Runs inside the transaction after the upsert, before the commit (tests simulate a crash here). */
  beforeCommit?: (msg: JsMsg) => void | Promise<void>;
}

export interface BatchStats {
  acked: number;
  deadLettered: number;
  retried: number;
}

export interface Feed {
  nc: NatsConnection;
  connectorId: string;
  /** Fetches up to maxMessages (waiting at most expiresMs) and processes them in order. */
  runBatch(opts?: { maxMessages?: number; expiresMs?: number; hooks?: FeedHooks }): Promise<BatchStats>;
  close(): Promise<void>;
}

export async function openFeed(ctx: AppContext, opts: FeedOptions): Promise<Feed> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: opts.url, name: 'openib-feed', timeout: 5000 });
  } catch (err) {
    throw new Error(`NATS is not reachable at ${opts.url} (${(err as Error).message}).`);
  }
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js: JetStreamClient = jetstream(nc);
  try {
    await jsm.streams.info(opts.stream);
  } catch {
    await jsm.streams.add({ name: opts.stream, subjects: opts.subjects });
  }
  const maxDeliver = opts.maxDeliver ?? 5;
  await jsm.consumers.add(opts.stream, {
    durable_name: opts.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // One subject uses the older field, which servers before 2.10 understand.
    ...(opts.subjects.length === 1 ? { filter_subject: opts.subjects[0] } : { filter_subjects: opts.subjects }),
    max_deliver: maxDeliver,
    ack_wait: (opts.ackWaitMs ?? 30_000) * 1_000_000,
  });
  const consumer = await js.consumers.get(opts.stream, opts.consumer);
  const connectorId = `nats-${opts.stream.toLowerCase()}`;
  await ctx.db.query(
    `INSERT INTO connectors (id, name, kind, config) VALUES ($1, $2, 'nats', $3::jsonb)
     ON CONFLICT (id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`,
    [connectorId, `Queue feed ${opts.stream}`, JSON.stringify({ stream: opts.stream, subjects: opts.subjects, consumer: opts.consumer, dead_letter_subject: opts.deadLetterSubject })],
  );

  async function deadLetter(msg: JsMsg, err: Error, payload: DeadPayload, entity?: string, key?: string) {
    const details = err instanceof AppError ? err.details : undefined;
    await ctx.db.transaction((tx) => addDeadLetters(tx, [{ source: `nats:${opts.stream}`, entity, eventKey: key ?? `seq:${msg.seq}`, payload, error: err.message, details }]));
    nc.publish(opts.deadLetterSubject, JSON.stringify({ stream: opts.stream, subject: msg.subject, seq: msg.seq, error: err.message, details, payload }));
    msg.term(); // no reason text: servers before 2.10 do not read one
  }

  async function process(msg: JsMsg, hooks?: FeedHooks): Promise<'acked' | 'dead' | 'retry'> {
    let parsed: ReturnType<typeof parseFeedMessage> | undefined;
    try {
      parsed = parseFeedMessage(msg.data, msg.subject);
      const p = parsed;
      await ctx.db.transaction(async (tx) => {
        const apply = async () => {
          const result = await applyStrict(tx, p.entity, p.records, { timeZone: ctx.config.brokerTimeZone });
          return { status: 'accepted' as const, entity: p.entity, result };
        };
        const received = p.batchId ? await oncePerKey(tx, `nats:${p.source}`, p.batchId, apply) : await apply();
        await hooks?.beforeCommit?.(msg);
        const count = received.status === 'accepted' ? p.records.length : 0;
        await tx.query(
          `UPDATE connectors SET records_in = records_in + $2, cursor = cursor || jsonb_build_object('stream_sequence', $3::bigint),
             lag_seconds = $4, last_run_at = now(), last_success_at = now(), last_error = NULL, updated_at = now() WHERE id = $1`,
          [connectorId, count, msg.seq, Math.max(0, Math.round((Date.now() - msg.info.timestampNanos / 1e6) / 1000))],
        );
      });
      await msg.ackAck();
      return 'acked';
    } catch (err) {
      const e = err as Error;
      const poison = err instanceof AppError && err.status === 422;
      if (poison || msg.info.deliveryCount >= maxDeliver) {
        const payload: DeadPayload = parsed ? { kind: 'records', entity: parsed.entity, records: parsed.records } : { kind: 'raw', body: new TextDecoder().decode(msg.data).slice(0, 100_000) };
        await deadLetter(msg, e, payload, parsed?.entity, parsed?.batchId ? `batch:${parsed.batchId}` : undefined);
        await ctx.db.query(`UPDATE connectors SET records_rejected = records_rejected + $2, last_error = $3, last_run_at = now(), updated_at = now() WHERE id = $1`, [
          connectorId,
          parsed?.records.length ?? 1,
          e.message.slice(0, 1000),
        ]);
        return 'dead';
      }
      await ctx.db.query(`UPDATE connectors SET last_error = $2, last_run_at = now(), updated_at = now() WHERE id = $1`, [connectorId, e.message.slice(0, 1000)]).catch(() => {});
      msg.nak(Math.min(60_000, 500 * 2 ** msg.info.deliveryCount));
      return 'retry';
    }
  }

  return {
    nc,
    connectorId,
    async runBatch({ maxMessages = 100, expiresMs = 1000, hooks } = {}) {
      const stats: BatchStats = { acked: 0, deadLettered: 0, retried: 0 };
      const messages: ConsumerMessages = await consumer.fetch({ max_messages: maxMessages, expires: Math.max(1000, expiresMs) });
      for await (const msg of messages) {
        const outcome = await process(msg, hooks);
        if (outcome === 'acked') stats.acked++;
        else if (outcome === 'dead') stats.deadLettered++;
        else stats.retried++;
      }
      // Messages still waiting in the stream for this consumer: the feed's backlog.
      await nc.flush();
      const info = await consumer.info();
      await ctx.db.query(`UPDATE connectors SET cursor = cursor || jsonb_build_object('pending', $2::bigint, 'ack_pending', $3::bigint) WHERE id = $1`, [
        connectorId,
        info.num_pending,
        info.num_ack_pending,
      ]);
      return stats;
    },
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}

/** The feed settings from configuration; undefined when OPENIB_NATS_URL is not set. */
export function feedOptions(ctx: AppContext): FeedOptions | undefined {
  const n = ctx.config.nats;
  if (!n.url) return undefined;
  return { url: n.url, stream: n.stream, subjects: n.subjects, consumer: n.consumer, deadLetterSubject: n.deadLetterSubject };
}

/** One pass over the feed: connect, process what is waiting, disconnect. Tests and runs by hand use it. */
export async function runFeedOnce(ctx: AppContext, opts: FeedOptions, batch: { maxMessages?: number; expiresMs?: number; hooks?: FeedHooks } = {}): Promise<BatchStats> {
  const feed = await openFeed(ctx, opts);
  try {
    return await feed.runBatch(batch);
  } finally {
    await feed.close();
  }
}
