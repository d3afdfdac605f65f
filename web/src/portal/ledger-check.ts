/**
 * The verifier of docs/verification.md in the browser (WebCrypto: SHA-256 and Ed25519), the same
 * checks as `openib verify` / tools/openib-verify.mjs: the chain recomputed record by record, every
 * checkpoint's signature and its head as a prefix of the chain, statement totals, rows outside the
 * chain, and every customer reassigned away with its reason.
 */

export interface ChainRecord {
  seq: number;
  type: string;
  id: number;
  prev: string;
  hash: string;
  record: Record<string, unknown> | null;
}

export interface Checkpoint {
  checkpoint_id?: number;
  key_id: string;
  payload: string;
  signature: string;
}

export interface Bundle {
  partner_id: string;
  from_seq: number;
  from_head: string;
  head: { seq: number; hash: string };
  records: ChainRecord[];
  unchained: Record<string, unknown>[];
  checkpoints: Checkpoint[];
}

export interface PublicKey {
  key_id: string;
  public_key: string;
}

export interface Finding {
  code: string;
  message: string;
  seq?: number;
}

export interface CheckResult {
  ok: boolean;
  firstBroken: number | null;
  findings: Finding[];
  records: number;
  checkpoints: number;
  statements: { statement_id: string; currency: string; ledger_total: string; sum: string }[];
  reassignments: { seq: number; customer_id: string; to: string; from: string; reason: string | null }[];
}

export const GENESIS = '0'.repeat(64);

/** RFC 8785 canonical JSON. */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(o[k])}`).join(',')}}`;
  }
  throw new Error(`cannot canonicalize a ${typeof value}`);
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string) => new TextEncoder().encode(text);

export async function recordHash(partnerId: string, seq: number, prev: string, record: unknown): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', utf8(canonicalize({ partner_id: partnerId, seq, prev, record }))));
}

function base64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Exact decimal sums (BigInt), so no floating point touches an amount. */
function decimal(text: string): { units: bigint; scale: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  return { units: BigInt(`${m[1]}${m[2]}${frac}`), scale: frac.length };
}
function sum(values: string[]): { units: bigint; scale: number } {
  const parsed = values.map(decimal);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  return { units: parsed.reduce((acc, p) => acc + p.units * 10n ** BigInt(scale - p.scale), 0n), scale };
}
function same(a: { units: bigint; scale: number }, b: { units: bigint; scale: number }): boolean {
  const scale = Math.max(a.scale, b.scale);
  return a.units * 10n ** BigInt(scale - a.scale) === b.units * 10n ** BigInt(scale - b.scale);
}
function format({ units, scale }: { units: bigint; scale: number }): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '') : digits;
  return `${neg && text !== '0' ? '-' : ''}${text}`;
}

export async function checkBundle(bundle: Bundle, saved: Checkpoint[], keys: PublicKey[]): Promise<CheckResult> {
  const findings: Finding[] = [];
  const fail = (code: string, message: string, seq?: number) => findings.push(seq === undefined ? { code, message } : { code, message, seq });
  const partner = bundle.partner_id;
  const bySeq = new Map<number, string>();
  const entries = new Map<number, { seq: number; amount: string }>();
  let expected = bundle.from_seq + 1;
  let prev = bundle.from_head;
  bySeq.set(bundle.from_seq, prev);
  for (const r of bundle.records) {
    if (r.seq !== expected) fail('sequence_gap', `Record ${expected} is missing.`, expected);
    if (r.prev !== prev) fail('broken_link', `Record ${r.seq} does not follow the record before it.`, r.seq);
    if (!r.record) fail('record_missing', `Record ${r.seq} (${r.type} ${r.id}) is no longer in the ledger.`, r.seq);
    else {
      if ((await recordHash(partner, r.seq, r.prev, r.record)) !== r.hash) fail('record_changed', `Record ${r.seq} (${r.type} ${r.id}) was changed after it was recorded.`, r.seq);
      if (r.type !== 'ledger_status' && r.record.partner_id !== partner) fail('wrong_partner', `Record ${r.seq} (${r.type} ${r.id}) now names partner ${String(r.record.partner_id)}.`, r.seq);
      if (r.type === 'ledger_entry') entries.set(r.id, { seq: r.seq, amount: String(r.record.amount) });
    }
    bySeq.set(r.seq, r.hash);
    prev = r.hash;
    expected = r.seq + 1;
  }
  const last = expected - 1;
  if (bundle.head.seq !== last || bundle.head.hash !== prev) fail('head_mismatch', `The chain ends at record ${last}, but the ledger says ${bundle.head.seq}.`, Math.min(last, bundle.head.seq) + 1);

  const keyMap = new Map(keys.map((k) => [k.key_id, k.public_key]));
  const all = new Map<string, Checkpoint>();
  for (const c of [...bundle.checkpoints, ...saved]) all.set(`${c.key_id}|${c.signature}`, c);
  const statements: CheckResult['statements'] = [];
  let verified = 0;
  for (const c of all.values()) {
    const key = keyMap.get(c.key_id);
    if (!key) {
      fail('unknown_key', `Checkpoint ${c.checkpoint_id ?? '?'} is signed with key "${c.key_id}", which the broker does not publish.`);
      continue;
    }
    let good = false;
    try {
      const k = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: key }, { name: 'Ed25519' }, false, ['verify']);
      good = await crypto.subtle.verify({ name: 'Ed25519' }, k, base64url(c.signature), utf8(c.payload));
    } catch {
      good = false;
    }
    if (!good) {
      fail('bad_signature', `Checkpoint ${c.checkpoint_id ?? '?'} has a signature that does not verify.`);
      continue;
    }
    const p = JSON.parse(c.payload) as { partner_id: string; seq: number; head: string; statement: { statement_id: string; currency: string; ledger_total: string; entry_ids: number[] } | null };
    if (p.partner_id !== partner) {
      fail('wrong_partner', `Checkpoint ${c.checkpoint_id ?? '?'} is for partner ${p.partner_id}.`);
      continue;
    }
    verified++;
    if (p.seq > last) fail('checkpoint_beyond_head', `Checkpoint ${c.checkpoint_id ?? '?'} covers ${p.seq} records but the chain now has ${last}: records were removed.`, last + 1);
    else if (bySeq.has(p.seq) && bySeq.get(p.seq) !== p.head) {
      const earlier = findings.filter((f) => f.seq !== undefined && f.seq <= p.seq).map((f) => f.seq as number);
      fail('checkpoint_mismatch', `Checkpoint ${c.checkpoint_id ?? '?'} signed a different history up to record ${p.seq}.`, earlier.length ? Math.min(...earlier) : p.seq);
    }
    if (p.statement) {
      const s = p.statement;
      const total = sum(s.entry_ids.filter((id) => entries.has(id)).map((id) => entries.get(id)!.amount));
      statements.push({ statement_id: s.statement_id, currency: s.currency, ledger_total: s.ledger_total, sum: format(total) });
      if (bundle.from_seq !== 0) continue;
      const missing = s.entry_ids.filter((id) => !entries.has(id) || entries.get(id)!.seq > p.seq);
      if (missing.length) fail('statement_entry_missing', `Statement ${s.statement_id} lists entries that are not in the ledger: ${missing.slice(0, 5).join(', ')}.`);
      else if (!same(total, decimal(s.ledger_total))) fail('statement_total', `Statement ${s.statement_id} says ${s.ledger_total} ${s.currency} but its entries add up to ${format(total)}.`);
    }
  }
  for (const u of bundle.unchained) fail('unchained_record', `${String(u.type)} ${String(u.id)} is in the ledger but was never recorded in the chain.`);
  const reassignments = bundle.records
    .filter((r) => r.type === 'attribution_superseded' && r.record)
    .map((r) => ({ seq: r.seq, customer_id: String(r.record!.customer_id), to: String(r.record!.new_partner_id), from: String(r.record!.new_effective_from), reason: (r.record!.reason as string | null) ?? null }));
  for (const r of reassignments) if (!r.reason) fail('reassignment_without_reason', `Customer ${r.customer_id} was reassigned away without a reason.`, r.seq);
  const seqs = findings.filter((f) => f.seq !== undefined).map((f) => f.seq as number);
  return { ok: findings.length === 0, firstBroken: seqs.length ? Math.min(...seqs) : null, findings, records: bundle.records.length, checkpoints: verified, statements, reassignments };
}
