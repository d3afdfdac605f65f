import nodemailer from 'nodemailer';
import type { Database } from '../../db/index.ts';
import { decrypt } from '../../shared/keyring.ts';
import type { Task } from '../../worker/runner.ts';
import type { ComplianceSettings } from '../settings.ts';

export const EMAILS_CHANNEL = 'openib_emails';

interface Claimed {
  id: number;
  to_sealed: string;
  subject: string;
  body_sealed: string;
  attempts: number;
  language: string;
}

type Transport = ReturnType<typeof nodemailer.createTransport>;

/** Claims due emails (a lease, so several workers never send one twice at once). */
async function claim(db: Database, now: Date, limit: number): Promise<Claimed[]> {
  return db.query<Claimed>(
    `UPDATE email_outbox SET locked_until = $1::timestamptz + interval '2 minutes'
     WHERE id IN (SELECT id FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id, to_sealed, subject, body_sealed, attempts, language`,
    [now.toISOString(), limit],
  );
}

/**
 * One email's outcome: sent, or the next attempt after the schedule's delay (the server refused,
 * timed out, or was down), or failed for good once the schedule is used up.
 */
async function record(db: Database, m: Claimed, now: Date, schedule: number[], error?: string): Promise<void> {
  if (error === undefined) {
    await db.query(`UPDATE email_outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, locked_until = NULL, last_error = NULL WHERE id = $1`, [m.id, now.toISOString()]);
    return;
  }
  const attempts = m.attempts + 1;
  const delay = schedule[attempts];
  if (delay === undefined) {
    await db.query(`UPDATE email_outbox SET status = 'failed', attempts = $2, last_error = $3, locked_until = NULL WHERE id = $1`, [m.id, attempts, error.slice(0, 500)]);
    return;
  }
  await db.query(
    `UPDATE email_outbox SET attempts = $2, last_error = $3, locked_until = NULL, next_attempt_at = $4::timestamptz + make_interval(secs => $5) WHERE id = $1`,
    [m.id, attempts, error.slice(0, 500), now.toISOString(), delay],
  );
}

/** The email worker: sends queued partner emails through OPENIB_SMTP_URL with nodemailer; without it they wait. */
export function emailDeliveryTask(): Task {
  let transport: Transport | undefined;
  let transportUrl: string | undefined;
  return {
    name: 'emails',
    wakeOn: [EMAILS_CHANNEL],
    async run(ctx) {
      const s: ComplianceSettings = ctx.config.compliance;
      if (!s.smtpUrl || ctx.signal.aborted) return false;
      if (transportUrl !== s.smtpUrl) {
        transport?.close();
        transport = nodemailer.createTransport(s.smtpUrl, { from: s.emailFrom });
        transportUrl = s.smtpUrl;
      }
      const batch = await claim(ctx.db, ctx.clock.now(), 20);
      for (const m of batch) {
        let error: string | undefined;
        try {
          await transport!.sendMail({
            to: decrypt(m.to_sealed),
            subject: m.subject,
            text: decrypt(m.body_sealed),
            headers: { 'Content-Language': m.language, 'X-OpenIB-Email': String(m.id) },
          });
        } catch (err) {
          error = (err as Error).message || 'send failed';
        }
        await record(ctx.db, m, ctx.clock.now(), s.emailRetrySchedule, error);
      }
      return batch.length > 0;
    },
    async close() {
      transport?.close();
    },
  };
}
