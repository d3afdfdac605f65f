import { useEffect, useState } from 'react';
import { api, ApiError, enc } from '../api.ts';
import { dayIn, formatDate } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, DataView, ErrorMessage, Money, PageHeader, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Version {
  policy_id: string;
  version: number;
  effective_from: string;
  definition: Record<string, unknown>;
}
interface Policy {
  policy_id: string;
  name?: string;
  versions: Version[];
}
interface Simulation {
  from: string;
  to: string;
  partners: { partner_id: string; currency: string; current: string; with_policy: string; difference: string }[];
  entries_affected: number;
  entries: { partner_id: string; customer_id: string | null; fact_date: string; instrument: string | null; rule: string; currency: string; amount: string; note: string | null }[];
}

const TEMPLATE = {
  policy_id: 'new-policy',
  name: 'New jurisdiction policy',
  regulator: 'ASIC',
  countries: ['AU'],
  currency: 'USD',
  client_rebates: 'off',
  per_lot_caps: [{ symbols: ['EURUSD', 'GBPUSD', 'AUDUSD'], pips: '3' }],
};

/** Jurisdiction policies: edit as JSON, simulate the change on history, then save it as a version from a date. */
export function JurisdictionPolicies() {
  const { can, config } = useSession();
  const policies = useAsync(async (signal) => {
    const res = await api.get<{ data: Version[] }>('/api/v1/jurisdiction-policies', { signal });
    const byPolicy = new Map<string, Policy>();
    for (const v of res.data) {
      const p = byPolicy.get(v.policy_id) ?? { policy_id: v.policy_id, versions: [] };
      p.versions.push(v);
      p.name = typeof v.definition?.name === 'string' ? (v.definition.name as string) : p.name;
      byPolicy.set(v.policy_id, p);
    }
    for (const p of byPolicy.values()) p.versions.sort((a, b) => a.version - b.version);
    return { data: [...byPolicy.values()] };
  }, []);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const policy = creating ? undefined : policies.data?.data.find((p) => p.policy_id === selected) ?? policies.data?.data[0];
  const latest = policy?.versions[policy.versions.length - 1];
  const [text, setText] = useState('');
  const [from, setFrom] = useState(dayIn(config.broker_time_zone));
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [sim, setSim] = useState<Simulation | null>(null);
  const [simFrom, setSimFrom] = useState(dayIn(config.broker_time_zone, 90));
  const [simTo, setSimTo] = useState(dayIn(config.broker_time_zone));
  const writable = can('admin');
  useEffect(() => {
    setText(JSON.stringify(creating || !latest ? TEMPLATE : latest.definition, null, 2));
    setError(undefined);
    setSim(null);
  }, [creating, latest?.policy_id, latest?.version]);
  const details = error instanceof ApiError ? error.details : [];
  const parsed = (): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      setError(new Error(`The JSON is not valid: ${(err as Error).message}. Fix it and try again.`));
      return undefined;
    }
  };
  const retired = latest?.definition.retired === true;
  return (
    <>
      <PageHeader
        title="Jurisdiction rules"
        subtitle="What regulators allow partners to be paid for clients of some countries: client rebates off, caps per lot, trade and period, rule types not allowed, countries partners may not acquire clients from. Simulate a change on history before saving it."
      />
      {writable && (
        <div className="toolbar">
          <button
            type="button"
            className="btn"
            onClick={() => {
              setCreating(true);
              setSaved('');
            }}
          >
            New policy
          </button>
        </div>
      )}
      <DataView state={policies} isEmpty={(d) => d.data.length === 0 && !creating} empty="No jurisdiction policies yet. Every client is paid as the plans say.">
        {(d) => (
          <div className="split">
            {d.data.length > 0 && (
            <nav className="card list-nav" aria-label="Jurisdiction policies">
              <ul>
                {d.data.map((p) => {
                  const last = p.versions[p.versions.length - 1];
                  const countries = Array.isArray(last?.definition.countries) ? (last.definition.countries as string[]).join(', ') : 'all clients';
                  return (
                    <li key={p.policy_id}>
                      <button
                        type="button"
                        className={`list-item${!creating && p.policy_id === policy?.policy_id ? ' selected' : ''}`}
                        aria-pressed={!creating && p.policy_id === policy?.policy_id}
                        onClick={() => {
                          setCreating(false);
                          setSaved('');
                          setSelected(p.policy_id);
                        }}
                      >
                        <span className="strong">{p.name ?? p.policy_id}</span>
                        <span className="small muted">
                          {String(last?.definition.regulator ?? 'no regulator')} · {countries} · {p.versions.length} version(s){last?.definition.retired ? ' · retired' : ''}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            </nav>
            )}
            <section className="card grow" aria-labelledby="policy-editor">
              <h2 id="policy-editor">
                {creating ? 'New policy' : policy?.name ?? policy?.policy_id}{' '}
                {!creating && latest ? (
                  <span className="muted small">
                    v{latest.version} from {formatDate(latest.effective_from)}
                    {retired ? ' (retired)' : ''}
                  </span>
                ) : null}
              </h2>
              <label htmlFor="policy-json">Policy (JSON)</label>
              <textarea id="policy-json" className="code" rows={16} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} readOnly={!writable} aria-invalid={details.length > 0 || undefined} />
              {details.length > 0 && (
                <ul className="error-details" role="alert" aria-label="Problems in the policy">
                  {details.map((x, i) => (
                    <li key={i}>
                      <code>{x.field || '(policy)'}</code>: {x.reason}
                    </li>
                  ))}
                </ul>
              )}
              {!details.length && <ErrorMessage error={error} />}
              {saved && (
                <p className="notice" role="status">
                  {saved}
                </p>
              )}
              <h3>Simulate on history</h3>
              <p className="small muted">What partners would be paid with this policy from the date below, next to what the policies in force now pay. Nothing is saved.</p>
              <div className="toolbar">
                <TextField label="Effective from" type="date" value={from} onChange={setFrom} />
                <TextField label="History from" type="date" value={simFrom} onChange={setSimFrom} />
                <TextField label="History to" type="date" value={simTo} onChange={setSimTo} />
                <ActionButton
                  className="btn"
                  onClick={async () => {
                    setError(undefined);
                    const body = parsed();
                    if (!body) return;
                    try {
                      setSim(await api.post<Simulation>('/api/v1/jurisdiction-policies/simulate', { policy: body, effective_from: from, from: simFrom, to: simTo }));
                    } catch (err) {
                      setError(err);
                    }
                  }}
                >
                  Simulate
                </ActionButton>
                {writable && (
                  <ActionButton
                    className="btn btn-primary"
                    onClick={async () => {
                      setError(undefined);
                      setSaved('');
                      const body = parsed();
                      if (!body) return;
                      try {
                        const v = creating
                          ? await api.post<Version>('/api/v1/jurisdiction-policies', { ...body, effective_from: from })
                          : await api.put<Version>(`/api/v1/jurisdiction-policies/${enc(policy?.policy_id ?? '')}`, { ...body, effective_from: from });
                        setSaved(`Saved as version ${v.version} from ${formatDate(v.effective_from)}. Commissions from that date are recomputed.`);
                        setCreating(false);
                        setSelected(v.policy_id);
                        policies.reload();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    {creating ? 'Create policy' : 'Save new version'}
                  </ActionButton>
                )}
                {writable && !creating && policy && !retired && (
                  <ActionButton
                    className="btn"
                    onClick={async () => {
                      setError(undefined);
                      try {
                        const v = await api.del<Version>(`/api/v1/jurisdiction-policies/${enc(policy.policy_id)}?effective_from=${enc(from)}`);
                        setSaved(`Retired from ${formatDate(v.effective_from)}.`);
                        policies.reload();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    Retire from this date
                  </ActionButton>
                )}
              </div>
              {sim &&
                (sim.partners.length === 0 ? (
                  <p className="state state-empty">This policy would change no partner's pay between {formatDate(sim.from)} and {formatDate(sim.to)}.</p>
                ) : (
                  <>
                    <TableWrap label="Effect on partners" columns={['Partner', { label: 'Paid now', className: 'r' }, { label: 'With this policy', className: 'r' }, { label: 'Difference', className: 'r' }]}>
                      {sim.partners.map((r) => (
                        <tr key={`${r.partner_id}-${r.currency}`}>
                          <td>{r.partner_id}</td>
                          <td className="r">
                            <Money value={r.current} currency={r.currency} />
                          </td>
                          <td className="r">
                            <Money value={r.with_policy} currency={r.currency} />
                          </td>
                          <td className="r">
                            <Money value={r.difference} currency={r.currency} />
                          </td>
                        </tr>
                      ))}
                    </TableWrap>
                    <p className="small muted">{sim.entries_affected} entries cut or removed{sim.entries_affected > sim.entries.length ? ` (first ${sim.entries.length} shown)` : ''}.</p>
                    <TableWrap label="Entries cut or removed" columns={['Date', 'Partner', 'Client', 'Symbol', 'Rule and reason', { label: 'Amount', className: 'r' }]}>
                      {sim.entries.map((e, i) => (
                        <tr key={i}>
                          <td>{formatDate(e.fact_date)}</td>
                          <td>{e.partner_id}</td>
                          <td>{e.customer_id ?? ''}</td>
                          <td>{e.instrument ?? ''}</td>
                          <td>
                            <code>{e.rule}</code>
                            {e.note ? <div className="small muted">{e.note}</div> : null}
                          </td>
                          <td className="r">
                            <Money value={e.amount} currency={e.currency} />
                          </td>
                        </tr>
                      ))}
                    </TableWrap>
                  </>
                ))}
            </section>
          </div>
        )}
      </DataView>
    </>
  );
}
