import { urlFormProblem } from './outbound-url.ts';

/** The partner-facing event names a postback can be set for, and the domain event each one follows. */
export const POSTBACK_EVENTS = {
  registration: 'customer.attributed',
  ftd: 'deposit.first',
  cpa_qualified: 'cpa.qualified',
  commission_approved: 'commission.approved',
  ledger_checkpoint: 'ledger.checkpoint',
} as const;
export type PostbackEvent = keyof typeof POSTBACK_EVENTS;
export const POSTBACK_EVENT_NAMES = Object.keys(POSTBACK_EVENTS) as PostbackEvent[];

/**
 * Every value a postback can carry. The list is closed on purpose: personal data (names, e-mail
 * addresses, phone numbers) has no macro, so no template can send it to a partner's tracker.
 */
export const MACROS = [
  'click_id', 'customer_id', 'event', 'amount', 'currency', 'campaign_id', 'sub_id', 'partner_id', 'transaction_id',
  // ledger_checkpoint: the signed checkpoint (docs/verification.md); payload is the signed canonical JSON.
  'checkpoint_id', 'seq', 'head', 'key_id', 'signature', 'payload',
] as const;
export type Macro = (typeof MACROS)[number];
export type MacroValues = Record<Macro, string>;

const MACRO = /\{([^{}]*)\}/g;

/** What is wrong with a postback URL template, or undefined when it is usable. */
export function templateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(MACRO)].map((m) => m[1]).filter((name) => !(MACROS as readonly string[]).includes(name));
  if (unknown.length) return `uses unknown macro(s) ${unknown.map((n) => `{${n}}`).join(', ')}; known: ${MACROS.map((m) => `{${m}}`).join(' ')}`;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(template)?.[1] ?? '';
  if (authority.includes('{')) return 'must not use macros in the host name';
  return urlFormProblem(template.replace(MACRO, 'x'));
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

/** Macro values of one event; a value the event does not have is an empty string. */
export function macroValues(kind: PostbackEvent, event: { subject_type: string; subject_id: string; data: Record<string, unknown> }): MacroValues {
  const d = event.data;
  return {
    click_id: scalar(d.click_id),
    customer_id: scalar(d.customer_id) || (event.subject_type === 'customer' ? event.subject_id : ''),
    event: kind,
    amount: scalar(d.amount),
    currency: scalar(d.currency),
    campaign_id: scalar(d.campaign_id),
    sub_id: scalar(d.sub_id),
    partner_id: scalar(d.partner_id),
    transaction_id: scalar(d.transaction_id),
    checkpoint_id: scalar(d.checkpoint_id),
    seq: scalar(d.seq),
    head: scalar(d.head),
    key_id: scalar(d.key_id),
    signature: scalar(d.signature),
    payload: scalar(d.payload),
  };
}

const CHECKPOINT_MACROS: readonly Macro[] = ['checkpoint_id', 'seq', 'head', 'key_id', 'signature', 'payload'];

/**
 * The JSON body of a POST postback: the macros of its kind of event. A ledger checkpoint carries the
 * partner and the checkpoint; every other event the conversion macros, never the checkpoint's.
 */
export function postbackBody(kind: PostbackEvent, values: MacroValues): Partial<MacroValues> {
  const names: readonly Macro[] =
    kind === 'ledger_checkpoint' ? ['event', 'partner_id', ...CHECKPOINT_MACROS] : MACROS.filter((m) => !CHECKPOINT_MACROS.includes(m));
  return Object.fromEntries(names.map((m) => [m, values[m]]));
}

/** Fills the template, URL-encoding every value (so "a&b=c" cannot add a parameter). */
export function renderTemplate(template: string, values: MacroValues): string {
  return template.replace(MACRO, (_, name: string) => encodeURIComponent(values[name as Macro] ?? ''));
}
