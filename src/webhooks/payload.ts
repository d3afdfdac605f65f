import type { Webhook } from 'standardwebhooks';

/** An outbox event as a message needs it. */
export interface OutboxEvent {
  event_id: string;
  type: string;
  occurred_at: string;
  subject_type: string;
  subject_id: string;
  data: Record<string, unknown>;
}

/** Version of the webhook body; a change that could break a receiver gets a new number. */
export const PAYLOAD_VERSION = 1;

/** The body of a webhook: the event, unchanged, in a versioned envelope. */
export function webhookBody(event: OutboxEvent): string {
  return JSON.stringify({ type: event.type, id: event.event_id, timestamp: event.occurred_at, version: PAYLOAD_VERSION, data: event.data });
}

/**
 * Standard Webhooks headers. Every current secret signs (two during a rotation's overlap), so a
 * receiver holding either one verifies the message. The timestamp is the wall clock at sending:
 * receivers compare it with their own clock to refuse replays.
 */
export function signedHeaders(messageId: string, body: string, signers: Webhook[], sentAt = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': signers.map((s) => s.sign(messageId, sentAt, body)).join(' '),
  };
}
