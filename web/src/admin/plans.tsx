import { useEffect, useState } from 'react';
import { api, ApiError, enc } from '../api.ts';
import { dayIn, formatDate } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, DataView, ErrorMessage, Money, PageHeader, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Version {
  plan_id: string;
  version: number;
  effective_from: string;
  definition: Record<string, unknown>;
}
interface Plan {
  plan_id: string;
  name?: string;
  versions?: Version[];
}

export function Plans() {
  const { can, config } = useSession();
  // The list answers every version of every plan; group them per plan, versions in order.
  const plans = useAsync(async (signal) => {
    const res = await api.get<{ data: Version[] }>('/api/v1/plans', { signal });
    const byPlan = new Map<string, Plan>();
    for (const v of res.data) {
      const plan = byPlan.get(v.plan_id) ?? { plan_id: v.plan_id, versions: [] };
      plan.versions!.push(v);
      plan.name = typeof v.definition?.name === 'string' ? (v.definition.name as string) : plan.name;
      byPlan.set(v.plan_id, plan);
    }
    for (const plan of byPlan.values()) plan.versions!.sort((a, b) => a.version - b.version);
    return { data: [...byPlan.values()] };
  }, []);
  const [selected, setSelected] = useState<string | null>(null);
  const plan = plans.data?.data.find((p) => p.plan_id === selected) ?? plans.data?.data[0];
  const latest = plan?.versions?.[plan.versions.length - 1];
  const [text, setText] = useState('');
  const [from, setFrom] = useState(dayIn(config.broker_time_zone));
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [sim, setSim] = useState<{ from: string; to: string; partners: { partner_id: string; currency: string; simulated: string; actual: string; difference: string }[] } | null>(null);
  const [simFrom, setSimFrom] = useState(dayIn(config.broker_time_zone, 90));
  const [simTo, setSimTo] = useState(dayIn(config.broker_time_zone));
  const writable = can('admin');
  useEffect(() => {
    if (latest) {
      const { effective_from: _e, ...definition } = latest.definition as Record<string, unknown>;
      setText(JSON.stringify(definition, null, 2));
      setError(undefined);
      setSaved('');
      setSim(null);
    }
  }, [latest?.plan_id, latest?.version]);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <>
      <PageHeader title="Plans" subtitle="Commission plans. Saving adds a new version from a date; earlier periods keep the version they were computed with." />
      <DataView state={plans} isEmpty={(d) => d.data.length === 0} empty="No plans yet. Create one through the API (POST /api/v1/plans).">
        {(d) => (
          <div className="split">
            <nav className="card list-nav" aria-label="Plans">
              <ul>
                {d.data.map((p) => (
                  <li key={p.plan_id}>
                    <button type="button" className={`list-item${p.plan_id === plan?.plan_id ? ' selected' : ''}`} aria-pressed={p.plan_id === plan?.plan_id} onClick={() => setSelected(p.plan_id)}>
                      <span className="strong">{p.name ?? p.plan_id}</span>
                      <span className="small muted">
                        {p.plan_id} · {p.versions?.length ?? 0} version(s)
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            {plan && (
              <section className="card grow" aria-labelledby="plan-editor">
                <h2 id="plan-editor">
                  {plan.name ?? plan.plan_id} {latest ? <span className="muted small">v{latest.version} from {formatDate(latest.effective_from)}</span> : null}
                </h2>
                <label htmlFor="plan-json">Plan definition (JSON)</label>
                <textarea id="plan-json" className="code" rows={18} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} readOnly={!writable} aria-invalid={details.length > 0 || undefined} />
                {details.length > 0 && (
                  <ul className="error-details" role="alert" aria-label="Problems in the plan">
                    {details.map((x, i) => (
                      <li key={i}>
                        <code>{x.field || '(plan)'}</code>: {x.reason}
                      </li>
                    ))}
                  </ul>
                )}
                {!details.length && <ErrorMessage error={error} />}
                {saved && <p className="notice" role="status">{saved}</p>}
                {writable && (
                  <div className="toolbar">
                    <TextField label="Effective from" type="date" value={from} onChange={setFrom} />
                    <ActionButton
                      className="btn btn-primary"
                      onClick={async () => {
                        setError(undefined);
                        setSaved('');
                        let body: Record<string, unknown>;
                        try {
                          body = JSON.parse(text) as Record<string, unknown>;
                        } catch (err) {
                          setError(new Error(`The JSON is not valid: ${(err as Error).message}. Fix it and save again.`));
                          return;
                        }
                        try {
                          const v = await api.put<Version>(`/api/v1/plans/${enc(plan.plan_id)}`, { ...body, effective_from: from });
                          setSaved(`Saved as version ${v.version ?? ''}.`);
                          plans.reload();
                        } catch (err) {
                          setError(err);
                        }
                      }}
                    >
                      Save new version
                    </ActionButton>
                  </div>
                )}
                <h3>Simulate on history</h3>
                <div className="toolbar">
                  <TextField label="From" type="date" value={simFrom} onChange={setSimFrom} />
                  <TextField label="To" type="date" value={simTo} onChange={setSimTo} />
                  <ActionButton className="btn" onClick={async () => setSim(await api.post(`/api/v1/plans/${enc(plan.plan_id)}/simulate`, { from: simFrom, to: simTo }))}>
                    Simulate on history
                  </ActionButton>
                </div>
                {sim &&
                  (sim.partners.length === 0 ? (
                    <p className="state state-empty">No partner on this plan had activity in that period.</p>
                  ) : (
                    <TableWrap label="Simulation" columns={['Partner', { label: 'Would have paid', className: 'r' }, { label: 'Actually earned', className: 'r' }, { label: 'Difference', className: 'r' }]}>
                      {sim.partners.map((r) => (
                        <tr key={`${r.partner_id}-${r.currency}`}>
                          <td>{r.partner_id}</td>
                          <td className="r">
                            <Money value={r.simulated} currency={r.currency} />
                          </td>
                          <td className="r">
                            <Money value={r.actual} currency={r.currency} />
                          </td>
                          <td className="r">
                            <Money value={r.difference} currency={r.currency} />
                          </td>
                        </tr>
                      ))}
                    </TableWrap>
                  ))}
              </section>
            )}
          </div>
        )}
      </DataView>
    </>
  );
}
