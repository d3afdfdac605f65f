import { useEffect, useState } from 'react';
import { api, ApiError, enc } from '../api.ts';
import { dayIn, formatDate } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { ActionButton, DataView, ErrorMessage, fieldErrors, Money, PageHeader, TextField, useAsync } from '../ui.tsx';
import { cleanPlan, emptyPlan, PlanForm, type PlanDoc } from './plan-form.tsx';

interface Version {
  plan_id: string;
  version: number;
  effective_from: string;
  definition: PlanDoc;
}
interface Plan {
  plan_id: string;
  name?: string;
  versions: Version[];
}
interface Simulation {
  from: string;
  to: string;
  version: number;
  draft?: boolean;
  partners: { partner_id: string; currency: string; simulated: string; actual: string; difference: string }[];
}

const NEW = '\u0000new';

export function Plans() {
  const { config } = useSession();
  // The list answers every version of every plan; group them per plan, versions in order.
  const plans = useAsync(async (signal) => {
    const res = await api.get<{ data: Version[] }>('/api/v1/plans', { signal });
    const byPlan = new Map<string, Plan>();
    for (const v of res.data) {
      const plan = byPlan.get(v.plan_id) ?? { plan_id: v.plan_id, versions: [] };
      plan.versions.push(v);
      plan.name = typeof v.definition?.name === 'string' ? v.definition.name : plan.name;
      byPlan.set(v.plan_id, plan);
    }
    for (const plan of byPlan.values()) plan.versions.sort((a, b) => a.version - b.version);
    return { data: [...byPlan.values()] };
  }, []);
  const [selected, setSelected] = useState<string | null>(null);
  const creating = selected === NEW;
  const plan = creating ? undefined : (plans.data?.data.find((p) => p.plan_id === selected) ?? plans.data?.data[0]);
  return (
    <>
      <PageHeader
        title="Plans"
        subtitle="Commission plans. Saving adds a new version from a date; earlier periods keep the version they were computed with. Simulate an edit on history before saving it."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setSelected(NEW)}>
            New plan
          </button>
        }
      />
      <DataView state={plans}>
        {(d) => (
          <div className="split">
            {d.data.length > 0 && (
              <nav className="card list-nav" aria-label="Plans">
                <ul>
                  {d.data.map((p) => (
                    <li key={p.plan_id}>
                      <button type="button" className={`list-item${p.plan_id === plan?.plan_id ? ' selected' : ''}`} aria-pressed={p.plan_id === plan?.plan_id} onClick={() => setSelected(p.plan_id)}>
                        <span className="strong">{p.name ?? p.plan_id}</span>
                        <span className="small muted">
                          {p.plan_id} · {p.versions.length} version{p.versions.length === 1 ? '' : 's'}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {creating || !plan ? (
              <PlanEditor
                key="new"
                timeZone={config.broker_time_zone}
                onSaved={(id) => {
                  setSelected(id);
                  plans.reload();
                }}
              />
            ) : (
              <PlanEditor key={`${plan.plan_id}-${plan.versions.length}`} plan={plan} timeZone={config.broker_time_zone} onSaved={() => plans.reload()} />
            )}
          </div>
        )}
      </DataView>
    </>
  );
}

/** Edits one plan (or a new one) as a form or as JSON, simulates the unsaved edit, saves it as a version. */
function PlanEditor({ plan, timeZone, onSaved }: { plan?: Plan; timeZone: string; onSaved: (planId: string) => void }) {
  const { can } = useSession();
  const writable = can('admin');
  const latest = plan?.versions[plan.versions.length - 1];
  const [doc, setDoc] = useState<PlanDoc>(() => {
    if (!latest) return emptyPlan();
    const { effective_from: _e, ...definition } = latest.definition;
    return definition;
  });
  const [view, setView] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState('');
  const [from, setFrom] = useState(dayIn(timeZone));
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState('');
  const [sim, setSim] = useState<Simulation | null>(null);
  const [simFrom, setSimFrom] = useState(dayIn(timeZone, 90));
  const [simTo, setSimTo] = useState(dayIn(timeZone));
  const errors = fieldErrors(error);
  const planId = latest?.plan_id ?? String(doc.plan_id ?? '');

  useEffect(() => {
    if (view === 'json') setJson(JSON.stringify(doc, null, 2));
    // Only when switching views: the JSON text is the editor while it is shown.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view]);

  /** The document being edited: from the JSON text when that view is open (an error there stops here). */
  function current(): PlanDoc | null {
    if (view === 'form') return cleanPlan(doc);
    try {
      const parsed = JSON.parse(json) as PlanDoc;
      setJsonError('');
      setDoc(parsed);
      return cleanPlan(parsed);
    } catch (err) {
      setJsonError(`The JSON is not valid: ${(err as Error).message}. Fix it, then try again.`);
      return null;
    }
  }

  function switchTo(next: 'form' | 'json') {
    if (next === view) return;
    if (next === 'form') {
      try {
        setDoc(JSON.parse(json) as PlanDoc);
        setJsonError('');
      } catch (err) {
        setJsonError(`The JSON is not valid: ${(err as Error).message}. Fix it to go back to the form.`);
        return;
      }
    }
    setView(next);
  }

  const details = error instanceof ApiError ? error.details : [];
  return (
    <section className="card grow" aria-labelledby="plan-editor">
      <div className="section-head">
        <h2 id="plan-editor">
          {latest ? (plan?.name ?? plan?.plan_id) : 'New plan'}{' '}
          {latest ? (
            <span className="muted small">
              v{latest.version} from {formatDate(latest.effective_from)}
            </span>
          ) : null}
        </h2>
        <div className="segmented" role="group" aria-label="Edit as">
          <button type="button" className={`btn btn-small${view === 'form' ? ' selected' : ''}`} aria-pressed={view === 'form'} onClick={() => switchTo('form')}>
            Form
          </button>
          <button type="button" className={`btn btn-small${view === 'json' ? ' selected' : ''}`} aria-pressed={view === 'json'} onClick={() => switchTo('json')}>
            JSON
          </button>
        </div>
      </div>
      {latest && plan && plan.versions.length > 1 && (
        <p className="small muted">
          Versions:{' '}
          {plan.versions.map((v) => `v${v.version} from ${formatDate(v.effective_from)}`).join(' · ')}
        </p>
      )}
      {view === 'form' ? (
        <PlanForm doc={doc} onChange={setDoc} errors={errors} isNew={!latest} readOnly={!writable} />
      ) : (
        <>
          <label htmlFor="plan-json">Plan definition (JSON)</label>
          <textarea id="plan-json" className="code" rows={22} spellCheck={false} value={json} onChange={(e) => setJson(e.target.value)} readOnly={!writable} aria-invalid={details.length > 0 || undefined} />
        </>
      )}
      {jsonError && (
        <p className="field-error" role="alert">
          {jsonError}
        </p>
      )}
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
      {saved && (
        <p className="notice" role="status">
          {saved}
        </p>
      )}

      <h3>Simulate this edit on history</h3>
      <p className="small muted">Runs the plan as edited here, saved or not, over the stored activity of its partners, next to what they actually earned. Nothing is written.</p>
      <div className="toolbar">
        <TextField label="From" type="date" value={simFrom} onChange={setSimFrom} />
        <TextField label="To" type="date" value={simTo} onChange={setSimTo} />
        <ActionButton
          className="btn"
          disabled={!planId}
          onClick={async () => {
            const body = current();
            if (!body) return;
            setError(undefined);
            setSim(null);
            try {
              setSim(await api.post<Simulation>(`/api/v1/plans/${enc(planId)}/simulate`, { from: simFrom, to: simTo, plan: body }));
            } catch (err) {
              setError(err);
            }
          }}
        >
          Simulate
        </ActionButton>
      </div>
      {sim &&
        (sim.partners.length === 0 ? (
          <p className="state state-empty" role="status">
            No partner on this plan had activity from {formatDate(sim.from)} to {formatDate(sim.to)}.
          </p>
        ) : (
          <DataTable
            label="Simulation"
            filename={`plan-simulation-${planId || 'new'}`}
            rows={sim.partners}
            rowKey={(r) => `${r.partner_id}-${r.currency}`}
            rowData={(r) => ({ partner: r.partner_id })}
            columns={[
              { id: 'partner_id', header: 'Partner', value: (r) => r.partner_id, cell: (r) => <PartnerName id={r.partner_id} /> },
              { id: 'currency', header: 'Currency', value: (r) => r.currency, hidden: true },
              { id: 'simulated', header: 'Would have paid', className: 'r', sort: 'decimal', dataCol: 'simulated', value: (r) => r.simulated, cell: (r) => <Money value={r.simulated} currency={r.currency} /> },
              { id: 'actual', header: 'Actually earned', className: 'r', sort: 'decimal', value: (r) => r.actual, cell: (r) => <Money value={r.actual} currency={r.currency} /> },
              { id: 'difference', header: 'Difference', className: 'r', sort: 'decimal', value: (r) => r.difference, cell: (r) => <Money value={r.difference} currency={r.currency} /> },
            ]}
          />
        ))}

      {writable && (
        <>
          <h3>{latest ? 'Save as a new version' : 'Create the plan'}</h3>
          <div className="toolbar">
            <TextField label="Effective from" type="date" value={from} onChange={setFrom} error={errors.effective_from} />
            <ActionButton
              className="btn btn-primary"
              onClick={async () => {
                const body = current();
                if (!body) return;
                setError(undefined);
                setSaved('');
                try {
                  if (latest) {
                    const v = await api.put<Version>(`/api/v1/plans/${enc(latest.plan_id)}`, { ...body, effective_from: from });
                    setSaved(`Saved as version ${v.version}.`);
                    onSaved(latest.plan_id);
                  } else {
                    const v = await api.post<Version>('/api/v1/plans', { ...body, effective_from: from });
                    onSaved(v.plan_id);
                  }
                } catch (err) {
                  setError(err);
                }
              }}
            >
              {latest ? 'Save new version' : 'Create plan'}
            </ActionButton>
          </div>
        </>
      )}
    </section>
  );
}

/** A partner's name, looked up once per id (ids stay in the title for copying). */
const names = new Map<string, Promise<string>>();
function PartnerName({ id }: { id: string }) {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (!names.has(id)) names.set(id, api.get<{ name: string }>(`/api/v1/partners/${enc(id)}`).then((p) => p.name, () => id));
    void names.get(id)!.then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [id]);
  return <span title={id}>{name ?? id}</span>;
}
