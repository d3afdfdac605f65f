import { type FormEvent, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, fieldErrors, PageHeader, TableWrap, TextField, useAsync } from '../ui.tsx';

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
  claimed_partner_id: string;
  source: string;
  status: string;
  detected_at: string;
}

export function Customers() {
  const { can } = useSession();
  const [id, setId] = useState('');
  const [customer, setCustomer] = useState('');
  const writable = can('partners:write');
  const conflicts = useAsync((signal) => api.get<{ data: Conflict[] }>(`/api/v1/attribution-conflicts${qs({ status: 'open', per_page: 100 })}`, { signal }), []);
  return (
    <>
      <PageHeader title="Customers" subtitle="Who owns a customer over time, reassignment, and claims that need a decision." />
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setCustomer(id.trim());
        }}
      >
        <TextField label="Customer id" value={id} onChange={setId} placeholder="C-2001" />
        <button type="submit" className="btn btn-primary">
          Show attribution
        </button>
      </form>
      {customer && <Attribution customerId={customer} writable={writable} />}
      <h2>Conflicts and self-referral flags</h2>
      <DataView state={conflicts} isEmpty={(d) => d.data.length === 0} empty="No open conflicts. Claims that could not be applied (another owner, self-referral) appear here.">
        {(d) => (
          <TableWrap label="Open conflicts" columns={['Customer', 'Current owner', 'Claimed by', 'Source', 'Detected', writable && 'Decision']}>
            {d.data.map((c) => (
              <tr key={c.conflict_id}>
                <td>{c.customer_id}</td>
                <td>{c.current_partner_id ?? '—'}</td>
                <td>{c.claimed_partner_id}</td>
                <td>
                  <Badge tone={c.source}>{c.source}</Badge>
                </td>
                <td>{formatDateTime(c.detected_at)}</td>
                {writable && (
                  <td className="nowrap">
                    {(['accept', 'dismiss'] as const).map((action) => (
                      <ActionButton
                        key={action}
                        className={`btn btn-small${action === 'accept' ? ' btn-primary' : ''}`}
                        onClick={async () => {
                          const reason = window.prompt(`Why ${action} this claim? (at least 3 characters)`);
                          if (!reason) return;
                          await api.post(`/api/v1/attribution-conflicts/${c.conflict_id}/resolve`, { action, reason });
                          conflicts.reload();
                        }}
                      >
                        {action === 'accept' ? 'Accept' : 'Dismiss'}
                      </ActionButton>
                    ))}
                  </td>
                )}
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function Attribution({ customerId, writable }: { customerId: string; writable: boolean }) {
  const state = useAsync((signal) => api.get<{ current_partner_id: string | null; history: Ownership[] }>(`/api/v1/customers/${enc(customerId)}/attribution`, { signal }), [customerId]);
  const [partner, setPartner] = useState('');
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
      await api.post(`/api/v1/customers/${enc(customerId)}/reassign`, { partner_id: partner.trim(), effective_from: `${from}T00:00:00Z`, reason: reason.trim() });
      setDone(`Reassigned to ${partner.trim()} from ${from}.`);
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
          <TextField label="New partner id" required value={partner} onChange={setPartner} error={errors.partner_id} />
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
