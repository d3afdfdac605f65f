import { Type } from 'typebox';

const time = (description: string) => Type.String({ format: 'date-time', description });
const nullableTime = (description: string) => Type.Union([time(description), Type.Null()]);
const nullableText = (description: string) => Type.Union([Type.String({ description }), Type.Null()]);

export const EVENT_TYPE_EXAMPLES = ['customer.registered', 'customer.attributed', 'deposit.first', 'commission.approved'];

const health = {
  enabled: Type.Boolean({ description: 'Disabled endpoints receive no new messages; what is queued waits until they are enabled again.' }),
  disabled_reason: nullableText('Why it is disabled: by an admin, or because the receiver answered 410 Gone.'),
  consecutive_failures: Type.Integer({ description: 'Failed attempts since the last success.' }),
  circuit_open_until: nullableTime('While in the future, attempts fail at once without sending (circuit breaker); then one probe is sent.'),
  paused_until: nullableTime('Nothing is sent before this time: the receiver asked for it with Retry-After.'),
  failing_since: nullableTime('When the current failing spell reached OPENIB_WEBHOOK_FAILING_AFTER consecutive failures; an endpoint.failing event is written then.'),
  last_success_at: nullableTime('Last delivered attempt.'),
  last_failure_at: nullableTime('Last failed attempt.'),
  created_at: time('When it was created.'),
  updated_at: time('When it was last changed.'),
};

export const EndpointView = Type.Object(
  {
    id: Type.String({ examples: ['ep_Jq3v0nY1bWm2Kx8T'] }),
    url: Type.String({ format: 'uri', examples: ['https://crm.example-broker.com/hooks/openib'] }),
    description: Type.String(),
    event_types: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'Event types this endpoint receives; null means every type.',
      examples: [['customer.registered', 'customer.attributed']],
    }),
    previous_secret_expires_at: nullableTime('During a secret rotation: until when the previous secret still signs.'),
    ...health,
  },
  { $id: 'WebhookEndpoint' },
);

const eventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 100, examples: EVENT_TYPE_EXAMPLES }), {
  minItems: 1,
  maxItems: 100,
  description: 'Event types to receive, e.g. customer.registered. Omit (or null) for every type.',
});
const url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'http(s) URL the messages are POSTed to. Private, loopback and link-local addresses are refused.',
  examples: ['https://crm.example-broker.com/hooks/openib'],
});
const secret = Type.String({
  maxLength: 200,
  description: 'Optional signing secret in the Standard Webhooks form (whsec_ + base64 of 24–64 bytes); generated when omitted.',
});

export const EndpointCreate = Type.Object(
  {
    url,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    event_types: Type.Optional(Type.Union([eventTypes, Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    secret: Type.Optional(secret),
  },
  { additionalProperties: false },
);

export const EndpointPatch = Type.Object(
  {
    url: Type.Optional(url),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    event_types: Type.Optional(Type.Union([eventTypes, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SecretView = Type.Object({
  secret: Type.String({ description: 'The signing secret. Shown only in this response: store it now.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
});

export const RotateBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 86400,
        description: 'How long the current secret keeps signing beside the new one (OPENIB_WEBHOOK_ROTATION_OVERLAP_SECONDS by default, 86400). 0 replaces it at once.',
      }),
    ),
    secret: Type.Optional(secret),
  },
  { additionalProperties: false },
);

export const MessageStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead'), Type.Literal('discarded')],
  { description: 'pending: waiting for an attempt; delivered; dead: every attempt failed (a dead letter); discarded: a dead letter an admin dropped.' },
);

export const MessageView = Type.Object(
  {
    id: Type.String({ description: 'The webhook-id header: the same on every attempt and replay.', examples: ['msg_3f9a0c1d2e4b5a6978877665544332211'] }),
    endpoint_id: Type.String(),
    event_id: Type.String({ format: 'uuid' }),
    event_type: Type.String({ examples: EVENT_TYPE_EXAMPLES }),
    occurred_at: time('When the event happened.'),
    status: MessageStatus,
    attempts: Type.Integer({ description: 'Attempts made so far.' }),
    next_attempt_at: nullableTime('When a pending message is tried next.'),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: nullableText('What went wrong on the last failed attempt.'),
    created_at: time('When the message was queued.'),
    delivered_at: nullableTime('When it was delivered.'),
    dead_at: nullableTime('When it became a dead letter.'),
  },
  { $id: 'WebhookMessage' },
);

export const AttemptView = Type.Object(
  {
    id: Type.Integer(),
    message_id: Type.String(),
    endpoint_id: Type.String(),
    event_id: Type.String({ format: 'uuid' }),
    attempt: Type.Integer({ description: '1 for the first attempt of a message (counting restarts after a replay).' }),
    attempted_at: time('When the attempt started.'),
    outcome: Type.String({
      description:
        'delivered (2xx), failed (another status), gone (410: endpoint disabled), timeout, unreachable (connection failed), refused (address not allowed), circuit_open (not sent).',
      examples: ['delivered'],
    }),
    status_code: Type.Union([Type.Integer(), Type.Null()]),
    latency_ms: Type.Integer(),
    error: nullableText('What went wrong.'),
    response_body: nullableText('The start of the answer (OPENIB_WEBHOOK_RESPONSE_LIMIT_BYTES, 4096 by default).'),
  },
  { $id: 'WebhookAttempt' },
);

export const Selection = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 1000, description: 'These messages.' })),
    endpoint_id: Type.Optional(Type.String({ maxLength: 100, description: 'All of this endpoint\'s (combined with ids: those of them).' })),
  },
  { additionalProperties: false, description: 'Which dead letters: give ids, endpoint_id, or both.' },
);

export const ReplayBody = Type.Object(
  {
    since: Type.String({ format: 'date-time', description: 'Events that happened at or after this time.', examples: ['2026-03-01T00:00:00Z'] }),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'And before this time (default: now).' })),
    include_delivered: Type.Optional(
      Type.Boolean({ default: false, description: 'Send again what was already delivered too (receivers see the same webhook-id).' }),
    ),
  },
  { additionalProperties: false },
);

export const PostbackEventSchema = Type.Union(
  [Type.Literal('registration'), Type.Literal('ftd'), Type.Literal('cpa_qualified'), Type.Literal('commission_approved'), Type.Literal('ledger_checkpoint')],
  {
    description:
      'registration (a customer attributed to the partner), ftd (first deposit), cpa_qualified, commission_approved, ledger_checkpoint (a signed checkpoint of the partner\'s ledger chain: macros {checkpoint_id} {seq} {head} {key_id} {signature} {payload}).',
  },
);

export const PostbackView = Type.Object(
  {
    id: Type.String({ examples: ['pb_m3Vq0A9s8d7f6g5h'] }),
    partner_id: Type.String(),
    event: PostbackEventSchema,
    url: Type.String({ examples: ['https://tracker.example.com/postback?cid={click_id}&event={event}&payout={amount}&cur={currency}'] }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
    description: Type.String(),
    ...health,
  },
  { $id: 'Postback' },
);

const template = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'Tracker URL with macros, each replaced by its URL-encoded value: {click_id} {customer_id} {event} {amount} {currency} {campaign_id} {sub_id} {partner_id} {transaction_id}. A value the event lacks becomes empty. Macros may not appear in the host.',
  examples: ['https://tracker.example.com/postback?cid={click_id}&event={event}&payout={amount}&cur={currency}'],
});
const method = Type.Union([Type.Literal('GET'), Type.Literal('POST')], {
  description: 'GET (default) sends the filled URL; POST sends it with the macro values as a JSON body.',
});

export const PostbackCreate = Type.Object(
  {
    event: PostbackEventSchema,
    url: template,
    method: Type.Optional(method),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const PostbackPatch = Type.Object(
  {
    event: Type.Optional(PostbackEventSchema),
    url: Type.Optional(template),
    method: Type.Optional(method),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
