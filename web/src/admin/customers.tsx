import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { api, enc, qs } from '../api.ts';
import { formatDateTime, titleCase } from '../format.ts';
import { useSession } from '../session.tsx';
import { type Column, DataTable } from '../table.tsx';
import { type Partner, PartnerPicker } from './partner-detail.tsx';
import { Badge, DataView, Dialog, ErrorMessage, fieldErrors, PageHeader, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Ownership {
  attribution_id: number;
  partner_id: string;
  effective_from: string;
  effective_to: string | null;
  source: string;
  reason: string | null;
  click_id: string | null;
}
interface Conflict {
  conflict_id: number;
  customer_id: string;
  current_partner_id: string | null;
  current_partner_name?: string | null;
  claimed_partner_id: string;
  claimed_partner_name?: string | null;
  source: string;
  status: string;
  detected_at: string;
}

interface FoundCustomer {
  customer_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  country_code: string | null;
  kyc_status_id: string | null;
  signup_date: string;
  first_deposit_at: string | null;
  partner_id: string | null;
  partner_name: string | null;
}

const KYC_STATUSES = ['approved', 'pending', 'rejected', 'not_started'];

export function Customers() {
  const { can } = useSession();
  const [customer, setCustomer] = useState('');
  const writable = can('partners:write');
  const [deciding, setDeciding] = useState<Conflict | null>(null);
  const conflicts = useAsync((signal) => api.get<{ data: Conflict[] }>(`/api/v1/attribution-conflicts${qs({ status: 'open', per_page: 100 })}`, { signal }), []);
  return (
    <>
      <PageHeader title="Customers" subtitle="Who owns a customer over time, reassignment, and claims that need a decision." />
      <CustomerSearch onShow={setCustomer} />
      {customer && <Attribution key={customer} customerId={customer} writable={writable} />}
      <h2>Conflicts and self-referral flags</h2>
      {deciding && (
        <ResolveConflict
          conflict={deciding}
          onClose={() => setDeciding(null)}
          onDone={() => {
            setDeciding(null);
            conflicts.reload();
          }}
        />
      )}
      <DataView state={conflicts} isEmpty={(d) => d.data.length === 0} empty="No open conflicts. Claims that could not be applied (another owner, self-referral) appear here.">
        {(d) => (
          <DataTable
            label="Open conflicts"
            filename="attribution-conflicts"
            rows={d.data}
            rowKey={(c) => String(c.conflict_id)}
            rowData={(c) => ({ conflict: String(c.conflict_id) })}
            columns={[
              { id: 'customer_id', header: 'Customer', value: (c) => c.customer_id, cell: (c) => <span className="mono">{c.customer_id}</span> },
              { id: 'current_partner_name', header: 'Current owner', value: (c) => c.current_partner_name ?? c.current_partner_id, cell: (c) => <PartnerName id={c.current_partner_id} name={c.current_partner_name} /> },
              { id: 'current_partner_id', header: 'Current owner id', value: (c) => c.current_partner_id, hidden: true },
              { id: 'claimed_partner_name', header: 'Claimed by', value: (c) => c.claimed_partner_name ?? c.claimed_partner_id, cell: (c) => <PartnerName id={c.claimed_partner_id} name={c.claimed_partner_name} /> },
              { id: 'claimed_partner_id', header: 'Claimed by id', value: (c) => c.claimed_partner_id, hidden: true },
              { id: 'source', header: 'Source', value: (c) => c.source, cell: (c) => <Badge tone={c.source}>{c.source}</Badge> },
              { id: 'detected_at', header: 'Detected', value: (c) => c.detected_at, cell: (c) => formatDateTime(c.detected_at) },
              ...(writable
                ? [
                    {
                      id: 'decision',
                      header: 'Decision',
                      noExport: true,
                      cell: (c: Conflict) => (
                        <button type="button" className="btn btn-small btn-primary" onClick={() => setDeciding(c)} aria-label={`Decide on ${c.customer_id}`}>
                          Decide…
                        </button>
                      ),
                    } satisfies Column<Conflict>,
                  ]
                : []),
            ]}
          />
        )}
      </DataView>
    </>
  );
}

function Attribution({ customerId, writable }: { customerId: string; writable: boolean }) {
  const state = useAsync((signal) => api.get<{ current_partner_id: string | null; history: Ownership[] }>(`/api/v1/customers/${enc(customerId)}/attribution`, { signal }), [customerId]);
  const [partner, setPartner] = useState<Partner | null>(null);
  const [from, setFrom] = useState(new Date().toISOString().slice(0, 10));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const errors = fieldErrors(error);
  async function reassign(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone('');
    try {
      await api.post(`/api/v1/customers/${enc(customerId)}/reassign`, { partner_id: partner?.partner_id ?? '', effective_from: `${from}T00:00:00Z`, reason: reason.trim() });
      setDone(`Reassigned to ${partner?.name ?? ''} from ${from}.`);
      state.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section className="card" aria-labelledby="attribution-title">
      <h2 id="attribution-title">Customer {customerId}</h2>
      <DataView state={state} isEmpty={(d) => d.history.length === 0} empty="This customer has never been attributed to a partner.">
        {(d) => (
          <>
            <p>
              Current owner: <strong>{d.current_partner_id ?? 'nobody'}</strong>
            </p>
            <TableWrap label="Ownership history" columns={['Partner', 'From', 'To', 'Source', 'Reason']}>
              {d.history.map((o) => (
                <tr key={o.attribution_id}>
                  <td>{o.partner_id}</td>
                  <td>{formatDateTime(o.effective_from)}</td>
                  <td>{o.effective_to ? formatDateTime(o.effective_to) : 'now'}</td>
                  <td>{o.source}</td>
                  <td className="small">{o.reason ?? ''}</td>
                </tr>
              ))}
            </TableWrap>
          </>
        )}
      </DataView>
      {writable && (
        <form className="form-grid" onSubmit={reassign} aria-label="Reassign customer">
          <h3>Reassign</h3>
          <PartnerPicker label="New partner" value={partner} onChange={setPartner} error={errors.partner_id} />
          <TextField label="Effective from" type="date" required value={from} onChange={setFrom} error={errors.effective_from} hint="Activity from this date on is credited to the new partner." />
          <TextField label="Reason" required minLength={3} value={reason} onChange={setReason} error={errors.reason} />
          <ErrorMessage error={error} />
          {done && <p className="notice" role="status">{done}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              Reassign
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/**
 * Finds customers by the start of their id, their owner (picked by name), country, KYC status or a whole email
 * (matched through its keyed hash: emails are sealed), newest first, a page at a time.
 */
function CustomerSearch({ onShow }: { onShow: (customerId: string) => void }) {
  const [id, setId] = useState('');
  const [partner, setPartner] = useState<Partner | null>(null);
  const [country, setCountry] = useState('');
  const [kyc, setKyc] = useState('');
  const [email, setEmail] = useState('');
  const [query, setQuery] = useState<Record<string, string | undefined>>({});
  const [pages, setPages] = useState<string[]>([]);
  const state = useAsync(
    async (signal) => {
      const rows: FoundCustomer[] = [];
      let next: string | null = null;
      // Earlier pages again, then the next one: a "More" click adds a page below what is shown.
      for (const cursor of [undefined, ...pages]) {
        const r: { data: FoundCustomer[]; meta: { next_cursor: string | null } } = await api.get(`/api/v1/customers${qs({ ...query, cursor, per_page: 50 })}`, { signal });
        rows.push(...r.data);
        next = r.meta.next_cursor;
      }
      return { rows, next };
    },
    [query, pages],
  );
  return (
    <section aria-labelledby="customer-search">
      <h2 id="customer-search">Find customers</h2>
      <form
        className="toolbar"
        role="search"
        aria-label="Find customers"
        onSubmit={(e) => {
          e.preventDefault();
          setPages([]);
          setQuery({
            customer_id: id.trim() || undefined,
            partner_id: partner?.partner_id,
            country: country.trim() || undefined,
            kyc_status: kyc || undefined,
            email: email.trim() || undefined,
          });
        }}
      >
        <TextField label="Customer id starts with" value={id} onChange={setId} placeholder="C-2001" />
        <PartnerPicker label="Owned by partner" value={partner} onChange={setPartner} />
        <TextField label="Country" value={country} onChange={setCountry} placeholder="DE" maxLength={2} />
        <SelectField label="KYC status" value={kyc} onChange={setKyc} options={[{ value: '', label: 'Any' }, ...KYC_STATUSES.map((k) => ({ value: k, label: titleCase(k) }))]} />
        <TextField label="Email (whole address)" type="email" value={email} onChange={setEmail} hint="Emails are sealed: only a whole address is found." />
        <button type="submit" className="btn btn-primary">
          Search
        </button>
      </form>
      <DataView state={state} isEmpty={(d) => d.rows.length === 0} empty="No customer matches. Try fewer filters.">
        {(d) => (
          <>
            <DataTable
              label="Customers found"
              filename="customers"
              rows={d.rows}
              rowKey={(c) => c.customer_id}
              rowData={(c) => ({ customer: c.customer_id })}
              columns={[
                {
                  id: 'customer_id',
                  header: 'Customer',
                  value: (c) => c.customer_id,
                  cell: (c) => (
                    <div>
                      <div className="strong mono">{c.customer_id}</div>
                      <div className="small muted">{[c.first_name, c.last_name].filter(Boolean).join(' ') || '—'}</div>
                    </div>
                  ),
                },
                { id: 'first_name', header: 'First name', value: (c) => c.first_name, hidden: true },
                { id: 'last_name', header: 'Last name', value: (c) => c.last_name, hidden: true },
                { id: 'email', header: 'Email', value: (c) => c.email, cell: (c) => <span className="small break">{c.email ?? '—'}</span> },
                {
                  id: 'partner_name',
                  header: 'Partner',
                  value: (c) => c.partner_name,
                  cell: (c) =>
                    c.partner_id ? (
                      <Link href={`/partners/${enc(c.partner_id)}`} className="strong">
                        {c.partner_name ?? c.partner_id}
                      </Link>
                    ) : (
                      <span className="muted">nobody</span>
                    ),
                },
                { id: 'partner_id', header: 'Partner id', value: (c) => c.partner_id, hidden: true },
                { id: 'country_code', header: 'Country', value: (c) => c.country_code, cell: (c) => c.country_code ?? '—' },
                { id: 'kyc_status_id', header: 'KYC', value: (c) => c.kyc_status_id, cell: (c) => (c.kyc_status_id ? <Badge>{c.kyc_status_id}</Badge> : '—') },
                { id: 'signup_date', header: 'Signed up', value: (c) => c.signup_date, cell: (c) => formatDateTime(c.signup_date) },
                {
                  id: 'actions',
                  header: 'Actions',
                  srOnly: true,
                  noExport: true,
                  cell: (c) => (
                    <button type="button" className="btn btn-small" onClick={() => onShow(c.customer_id)} aria-label={`Attribution of ${c.customer_id}`}>
                      Attribution
                    </button>
                  ),
                },
              ]}
            />
            {d.next && (
              <button type="button" className="btn" onClick={() => setPages([...pages, d.next!])}>
                More customers
              </button>
            )}
          </>
        )}
      </DataView>
    </section>
  );
}

function PartnerName({ id, name }: { id: string | null; name?: string | null }) {
  if (!id) return <span className="muted">nobody</span>;
  return (
    <div>
      <Link href={`/partners/${enc(id)}`} className="strong">
        {name ?? id}
      </Link>
      <div className="small muted mono">{id}</div>
    </div>
  );
}

/** Decides a claim in a dialog that names both partners: accept moves the customer to the claimant, dismiss keeps the owner. */
function ResolveConflict({ conflict, onClose, onDone }: { conflict: Conflict; onClose: () => void; onDone: () => void }) {
  const [action, setAction] = useState<'accept' | 'dismiss'>('dismiss');
  const [reason, setReason] = useState('');
  const [from, setFrom] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const owner = conflict.current_partner_name ?? conflict.current_partner_id ?? 'nobody';
  const claimant = conflict.claimed_partner_name ?? conflict.claimed_partner_id;
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/attribution-conflicts/${conflict.conflict_id}/resolve`, { action, reason: reason.trim(), ...(action === 'accept' && from ? { effective_from: `${from}T00:00:00Z` } : {}) });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title={`Claim on customer ${conflict.customer_id}`} onClose={onClose}>
      <p>
        <strong>{claimant}</strong> claims this customer ({conflict.source}, {formatDateTime(conflict.detected_at)}). It belongs to <strong>{owner}</strong> now.
      </p>
      <form onSubmit={submit} className="form-grid" aria-label="Decision">
        <fieldset className="field">
          <legend>Decision</legend>
          <label className="choice">
            <input type="radio" name="decision" value="dismiss" checked={action === 'dismiss'} onChange={() => setAction('dismiss')} />
            <span>
              Keep with {owner} <span className="small muted">(dismiss the claim)</span>
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="decision" value="accept" checked={action === 'accept'} onChange={() => setAction('accept')} />
            <span>
              Move to {claimant} <span className="small muted">(accept the claim; overrides a guaranteed period)</span>
            </span>
          </label>
        </fieldset>
        {action === 'accept' && <TextField label="Effective from (empty: now)" type="date" value={from} onChange={setFrom} error={errors.effective_from} />}
        <TextField label="Reason" required minLength={3} maxLength={1000} value={reason} onChange={setReason} error={errors.reason} hint="Kept with the decision and in the audit log." />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : action === 'accept' ? `Move to ${claimant}` : `Keep with ${owner}`}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
