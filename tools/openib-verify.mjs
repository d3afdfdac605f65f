#!/usr/bin/env node
// openib-verify: checks a partner's OpenIB ledger bundle against checkpoints the partner saved and
// the broker's public signing keys. Needs only Node (18+); no packages. The format is described in
// docs/verification.md, so this file can be read, audited, or rewritten in another language.
//
//   node openib-verify.mjs --bundle ledger.json [--checkpoints saved.json] [--keys openib-ledger-keys.json|URL] [--json]
//   node openib-verify.mjs --server https://partners.broker.example --partner IB-1000 --token $TOKEN [--checkpoints saved.json] [--keys …]
//
// With --server the bundle is fetched from GET /api/v1/partners/{partner}/ledger/export and the keys,
// unless --keys is given, from /.well-known/openib-ledger-keys.json of the same server.
//
// Exit code 0: everything verified; 1: a check failed (the first broken record is named); 2: usage.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const GENESIS = '0'.repeat(64);

/** RFC 8785 (JSON Canonicalization Scheme): sorted keys (UTF-16 order), ECMAScript number form, no whitespace. */
export function canonicalize(value) {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(value[k])}`).join(',')}}`;
  }
  throw new Error(`cannot canonicalize a ${typeof value}`);
}

export const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

export const recordHash = (partnerId, seq, prev, record) => sha256(canonicalize({ partner_id: partnerId, seq, prev, record }));

/** Exact decimal strings as [BigInt, scale], summed without floating point. */
function parseDecimal(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  return { units: BigInt(`${m[1]}${m[2]}${frac}`), scale: frac.length };
}
function sumDecimals(values) {
  const parsed = values.map(parseDecimal);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const total = parsed.reduce((acc, p) => acc + p.units * 10n ** BigInt(scale - p.scale), 0n);
  return { units: total, scale };
}
function sameDecimal(a, b) {
  const scale = Math.max(a.scale, b.scale);
  return a.units * 10n ** BigInt(scale - a.scale) === b.units * 10n ** BigInt(scale - b.scale);
}
function formatDecimal({ units, scale }) {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '') : digits;
  return `${neg && text !== '0' ? '-' : ''}${text}`;
}

function publicKeyOf(raw) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
}

/**
 * Verifies a bundle. `saved` are checkpoints the partner kept (from statements, postbacks or the
 * portal); `keys` the broker's published keys ({ keys: [{ key_id, public_key }] } or a list).
 * Returns { ok, first_broken, errors, checkpoints, records, reassignments, statements }.
 */
export function verifyBundle(bundle, { saved = [], keys } = {}) {
  const errors = [];
  const fail = (code, message, seq) => errors.push({ code, message, ...(seq === undefined ? {} : { seq }) });
  const partner = bundle.partner_id;
  const keyList = Array.isArray(keys) ? keys : (keys?.keys ?? bundle.keys ?? []);
  const keyMap = new Map(keyList.map((k) => [k.key_id, k.public_key]));

  // 1. The chain: positions consecutive, each link naming the previous hash, each hash recomputed.
  const bySeq = new Map();
  const entries = new Map();
  let expectedSeq = Number(bundle.from_seq ?? 0) + 1;
  let prev = bundle.from_head ?? GENESIS;
  bySeq.set(expectedSeq - 1, prev);
  for (const r of bundle.records ?? []) {
    if (r.seq !== expectedSeq) fail('sequence_gap', `record ${expectedSeq} is missing: the next record is at position ${r.seq}`, expectedSeq);
    if (r.prev !== prev) fail('broken_link', `record ${r.seq} does not follow the record before it (prev ${r.prev.slice(0, 12)}…, expected ${prev.slice(0, 12)}…)`, r.seq);
    if (r.record === null || r.record === undefined) fail('record_missing', `record ${r.seq} (${r.type} ${r.id}) is no longer in the ledger`, r.seq);
    else {
      const computed = recordHash(partner, r.seq, r.prev, r.record);
      if (computed !== r.hash) fail('record_changed', `record ${r.seq} (${r.type} ${r.id}) was changed after it was chained`, r.seq);
      if ((r.type === 'ledger_entry' || r.type === 'attribution') && r.record.partner_id !== partner)
        fail('wrong_partner', `record ${r.seq} (${r.type} ${r.id}) now belongs to partner ${r.record.partner_id}`, r.seq);
      if (r.type === 'attribution_superseded' && r.record.partner_id !== partner)
        fail('wrong_partner', `record ${r.seq} (${r.type} ${r.id}) names partner ${r.record.partner_id}`, r.seq);
      if (r.type !== r.record.type || r.id !== r.record.id) fail('record_mismatch', `record ${r.seq} is not the ${r.type} ${r.id} it claims to be`, r.seq);
      if (r.type === 'ledger_status' && Number(bundle.from_seq ?? 0) === 0 && !entries.has(r.record.entry_id))
        fail('status_of_unknown_entry', `record ${r.seq} moves entry ${r.record.entry_id}, which is not earlier in this chain`, r.seq);
      if (r.type === 'ledger_entry') entries.set(r.id, { seq: r.seq, amount: r.record.amount, currency: r.record.currency });
    }
    bySeq.set(r.seq, r.hash);
    prev = r.hash;
    expectedSeq = r.seq + 1;
  }
  const last = { seq: expectedSeq - 1, hash: prev };
  if (bundle.head && (bundle.head.seq !== last.seq || bundle.head.hash !== last.hash))
    fail('head_mismatch', `the chain ends at ${last.seq} but the ledger says its head is ${bundle.head.seq}`, Math.min(last.seq, bundle.head.seq) + 1);

  // 2. Checkpoints: signatures, the partner, and each one a prefix of this chain.
  const all = new Map();
  for (const c of [...(bundle.checkpoints ?? []), ...saved]) all.set(`${c.key_id}|${c.signature}`, c);
  const checked = [];
  const statements = [];
  for (const c of all.values()) {
    const key = keyMap.get(c.key_id);
    if (!key) {
      fail('unknown_key', `checkpoint ${c.checkpoint_id ?? '?'} is signed with key "${c.key_id}", which is not among the published keys`);
      continue;
    }
    let good = false;
    try {
      good = verifySignature(null, Buffer.from(c.payload, 'utf8'), publicKeyOf(key), Buffer.from(c.signature, 'base64url'));
    } catch {
      good = false;
    }
    if (!good) {
      fail('bad_signature', `checkpoint ${c.checkpoint_id ?? '?'} has a signature that does not verify`);
      continue;
    }
    const p = JSON.parse(c.payload);
    if (p.partner_id !== partner) {
      fail('wrong_partner', `checkpoint ${c.checkpoint_id ?? '?'} is for partner ${p.partner_id}`);
      continue;
    }
    checked.push({ checkpoint_id: c.checkpoint_id ?? null, seq: p.seq, head: p.head, reason: p.reason, issued_at: p.issued_at, key_id: p.key_id });
    if (p.seq > last.seq) fail('checkpoint_beyond_head', `checkpoint ${c.checkpoint_id ?? '?'} covers ${p.seq} records but the chain now has ${last.seq}: records were removed`, last.seq + 1);
    else if (bySeq.has(p.seq) && bySeq.get(p.seq) !== p.head)
      fail('checkpoint_mismatch', `checkpoint ${c.checkpoint_id ?? '?'} signed a different history up to record ${p.seq}`, firstDifference(p.seq));
    if (p.statement) {
      const s = p.statement;
      const missing = s.entry_ids.filter((id) => !entries.has(id) || entries.get(id).seq > p.seq);
      const amounts = s.entry_ids.filter((id) => entries.has(id)).map((id) => entries.get(id).amount);
      const sum = sumDecimals(amounts);
      const summary = { statement_id: s.statement_id, period: s.period, currency: s.currency, ledger_total: s.ledger_total, sum_of_entries: formatDecimal(sum), entries: s.entry_ids.length };
      statements.push(summary);
      if (Number(bundle.from_seq ?? 0) !== 0) continue;
      if (missing.length) fail('statement_entry_missing', `statement ${s.statement_id} lists entries not in the chain before its checkpoint: ${missing.slice(0, 5).join(', ')}`);
      else if (!sameDecimal(sum, parseDecimal(s.ledger_total)))
        fail('statement_total', `statement ${s.statement_id} says ${s.ledger_total} ${s.currency} but its entries add up to ${formatDecimal(sum)}`);
    }
  }
  // A checkpoint's head that differs: the first changed record is at or before its position.
  function firstDifference(seq) {
    const broken = errors.filter((e) => e.seq !== undefined && e.seq <= seq).map((e) => e.seq);
    return broken.length ? Math.min(...broken) : seq;
  }

  // 3. Rows of the partner that were never chained: inserted behind the chain's back.
  for (const u of bundle.unchained ?? []) fail('unchained_record', `${u.type} ${u.id} is in the ledger but in no chain (inserted without being recorded)`);

  // 4. Every customer taken away, with its reason.
  const reassignments = (bundle.records ?? [])
    .filter((r) => r.type === 'attribution_superseded' && r.record)
    .map((r) => ({ seq: r.seq, customer_id: r.record.customer_id, to_partner_id: r.record.new_partner_id, from: r.record.new_effective_from, reason: r.record.reason }));
  for (const r of reassignments) if (!r.reason) fail('reassignment_without_reason', `customer ${r.customer_id} was reassigned away at record ${r.seq} without a reason`, r.seq);

  const seqs = errors.filter((e) => e.seq !== undefined).map((e) => e.seq);
  return {
    ok: errors.length === 0,
    partner_id: partner,
    first_broken: seqs.length ? Math.min(...seqs) : null,
    errors,
    records: (bundle.records ?? []).length,
    head: last,
    checkpoints: checked.sort((a, b) => a.seq - b.seq),
    statements,
    reassignments,
  };
}

async function readJson(source, headers = {}) {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { headers });
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    return res.json();
  }
  return JSON.parse(readFileSync(source, 'utf8'));
}

/** Command line: returns the exit code. */
export async function main(argv, out = process.stdout) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a.startsWith('--')) args[a.slice(2)] = argv[++i];
  }
  if (!args.bundle && !(args.server && args.partner)) {
    out.write('usage: openib-verify --bundle ledger.json | --server URL --partner ID [--token TOKEN]; [--checkpoints saved.json] [--keys keys.json|URL] [--json]\n');
    return 2;
  }
  const server = args.server?.replace(/\/$/, '');
  const bundle = args.bundle
    ? await readJson(args.bundle)
    : await readJson(`${server}/api/v1/partners/${encodeURIComponent(args.partner)}/ledger/export`, args.token ? { authorization: `Bearer ${args.token}` } : {});
  if (!args.keys && server) args.keys = `${server}/.well-known/openib-ledger-keys.json`;
  const savedDoc = args.checkpoints ? await readJson(args.checkpoints) : [];
  const saved = Array.isArray(savedDoc) ? savedDoc : (savedDoc.checkpoints ?? savedDoc.data ?? []);
  const keys = args.keys ? await readJson(args.keys) : undefined;
  const result = verifyBundle(bundle, { saved, keys });
  if (args.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    out.write(`partner ${result.partner_id}: ${result.records} records, head ${result.head.seq} ${result.head.hash}\n`);
    if (!keys) out.write('note: keys taken from the bundle itself; pass --keys with the broker\'s published keys to rely on them\n');
    out.write(`checkpoints verified: ${result.checkpoints.length}; statements: ${result.statements.length}; reassignments away: ${result.reassignments.length}\n`);
    for (const r of result.reassignments) out.write(`  customer ${r.customer_id} → ${r.to_partner_id} from ${r.from}: ${r.reason}\n`);
    if (result.ok) out.write('OK: signatures valid, chain unbroken, every checkpoint a prefix of the chain, statement totals match\n');
    else {
      if (result.first_broken !== null) out.write(`FAILED: first broken record: ${result.first_broken}\n`);
      else out.write('FAILED\n');
      for (const e of result.errors) out.write(`  ${e.code}: ${e.message}\n`);
    }
  }
  return result.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`openib-verify: ${err.message}\n`);
      process.exit(2);
    },
  );
}
