import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, ApiError, currentCsrfToken, download, enc } from '../api.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, PageHeader, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Connector {
  id: string;
  name?: string;
  kind?: string;
  status?: string;
  enabled?: boolean;
  last_run_at?: string | null;
  last_success_at?: string | null;
  last_error?: string | null;
  records_in?: number;
  records_rejected?: number;
  lag_seconds?: number | null;
  applied_through?: string | null;
  rows_per_minute?: number;
}
interface ConnectorError {
  id: number;
  message: string;
  payload: unknown;
  created_at: string;
}

const KIND_LABELS: Record<string, string> = { rest: 'REST API', mt4: 'MetaTrader 4 (bridge tables)', mt5: 'MetaTrader 5 (bridge tables)', match_trader: 'Match-Trader Broker API', nats: 'Queue feed (NATS)' };

/** "3 min", "2 h 5 min": how far behind the source a connector is. */
export function formatLag(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

interface Import {
  id: string;
  entity: string;
  file_name: string;
  status: string;
  file_bytes: number;
  position_bytes: number;
  rows_done: number;
  rows_stored: number;
  rows_rejected: number;
  error: string | null;
  created_at: string;
}

export function Connectors() {
  const { can } = useSession();
  const connectors = useAsync((signal) => api.get<{ data: Connector[] }>('/api/v1/connectors', { signal }), []);
  const imports = useAsync((signal) => api.get<{ data: Import[] }>('/api/v1/imports', { signal }), []);
  const running = (imports.data?.data ?? []).some((i) => i.status === 'queued' || i.status === 'running');
  useEffect(() => {
    if (!running) return;
    const t = window.setInterval(imports.reload, 1000);
    return () => window.clearInterval(t);
  }, [running, imports.reload]);
  return (
    <>
      <PageHeader title="Connectors & imports" subtitle="Pull connectors bring data from the broker's systems; CSV imports load files." />
      <DataView state={connectors} isEmpty={(d) => d.data.length === 0} empty="No pull connectors configured. Data arrives through the push API, webhooks or CSV imports.">
        {(d) => (
          <TableWrap
            label="Connectors"
            columns={['Connector', 'Status', 'Last successful sync', { label: 'Lag', className: 'r' }, { label: 'Rows / min', className: 'r' }, { label: 'Records in', className: 'r' }, { label: 'Rejected', className: 'r' }, 'Actions']}
          >
            {d.data.map((c) => (
              <ConnectorRow key={c.id} c={c} admin={can('admin')} onChange={connectors.reload} />
            ))}
          </TableWrap>
        )}
      </DataView>
      {can('admin') && <NewMatchTrader onCreated={connectors.reload} />}
      {can('admin') && <Upload onUploaded={imports.reload} />}
      <h2>Imports</h2>
      <DataView state={imports} isEmpty={(d) => d.data.length === 0} empty="No CSV imports yet.">
        {(d) => (
          <TableWrap label="Imports" columns={['File', 'Status', 'Progress', { label: 'Stored', className: 'r' }, { label: 'Rejected', className: 'r' }]}>
            {d.data.map((i) => {
              const pct = i.file_bytes ? Math.round((i.position_bytes * 100) / i.file_bytes) : 0;
              return (
                <tr key={i.id}>
                  <td>
                    <div className="strong">{i.file_name}</div>
                    <div className="small muted">
                      {i.entity} · {formatDateTime(i.created_at)}
                    </div>
                  </td>
                  <td>
                    <Badge>{i.status}</Badge>
                    {i.error ? <div className="small neg">{i.error}</div> : null}
                  </td>
                  <td>
                    <progress max={100} value={pct} aria-label={`Import ${i.file_name} progress`} /> {pct} %
                  </td>
                  <td className="r">{formatNumber(i.rows_stored)}</td>
                  <td className="r">
                    {formatNumber(i.rows_rejected)}
                    {i.rows_rejected > 0 && (
                      <div>
                        <ActionButton className="btn btn-small" onClick={() => download(`/api/v1/imports/${enc(i.id)}/report`, `import-${i.id}-report.csv`)}>
                          Report
                        </ActionButton>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function ConnectorRow({ c, admin, onChange }: { c: Connector; admin: boolean; onChange: () => void }) {
  const [errorsOpen, setErrorsOpen] = useState(false);
  const [from, setFrom] = useState('');
  const paused = c.status === 'paused';
  return (
    <>
      <tr>
        <td>
          <div className="strong">{c.name ?? c.id}</div>
          <div className="small muted">{KIND_LABELS[c.kind ?? ''] ?? c.kind}</div>
        </td>
        <td>
          <Badge tone={paused ? 'held' : 'active'}>{c.status ?? (c.enabled ? 'active' : 'paused')}</Badge>
          {c.last_error ? <div className="small neg">{c.last_error}</div> : null}
        </td>
        <td>
          {formatDateTime(c.last_success_at ?? null)}
          {c.applied_through ? <div className="small muted">Complete up to {formatDateTime(c.applied_through)}</div> : null}
        </td>
        <td className="r">{formatLag(c.lag_seconds)}</td>
        <td className="r">{formatNumber(c.rows_per_minute ?? 0)}</td>
        <td className="r">{formatNumber(c.records_in ?? 0)}</td>
        <td className="r">{formatNumber(c.records_rejected ?? 0)}</td>
        <td className="nowrap">
          <button type="button" className="btn btn-small" onClick={() => setErrorsOpen(!errorsOpen)} aria-expanded={errorsOpen}>
            Errors
          </button>{' '}
          {admin && c.kind !== 'nats' && (
            <>
              <ActionButton className="btn btn-small" onClick={async () => (await api.patch(`/api/v1/connectors/${enc(c.id)}`, { status: paused ? 'active' : 'paused' }), onChange())}>
                {paused ? 'Resume' : 'Pause'}
              </ActionButton>{' '}
              <ActionButton className="btn btn-small" onClick={async () => (await api.post(`/api/v1/connectors/${enc(c.id)}/run`, {}), onChange())}>
                Run now
              </ActionButton>
            </>
          )}
          {admin && (c.kind === 'match_trader' || c.kind === 'rest') && (
            <div className="inline-form">
              <input type="date" aria-label={`Backfill ${c.name ?? c.id} from`} value={from} onChange={(e) => setFrom(e.target.value)} />{' '}
              <ActionButton className="btn btn-small" disabled={!from} onClick={async () => (await api.post(`/api/v1/connectors/${enc(c.id)}/backfill`, { from }), onChange())}>
                Backfill from date
              </ActionButton>
            </div>
          )}
        </td>
      </tr>
      {errorsOpen && (
        <tr>
          <td colSpan={8}>
            <ConnectorErrors id={c.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function ConnectorErrors({ id }: { id: string }) {
  const errors = useAsync((signal) => api.get<{ data: ConnectorError[] }>(`/api/v1/connectors/${enc(id)}/errors`, { signal }), [id]);
  return (
    <DataView state={errors} isEmpty={(d) => d.data.length === 0} empty="No failed runs.">
      {(d) => (
        <ul className="plain">
          {d.data.map((e) => (
            <li key={e.id}>
              <div className="small">
                {formatDateTime(e.created_at)} · <span className="neg">{e.message}</span>
              </div>
              {e.payload ? <pre className="small mono break">{JSON.stringify(e.payload, null, 2)}</pre> : null}
            </li>
          ))}
        </ul>
      )}
    </DataView>
  );
}

/** Adds a Match-Trader connector: the Broker API's address, the trading system, its groups and the API key (sealed, never shown again). */
function NewMatchTrader({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({ id: '', name: '', base_url: '', system_uuid: '', groups: '', api_key: '', backfill_from: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await api.post('/api/v1/connectors', {
        id: form.id,
        name: form.name || form.id,
        kind: 'match_trader',
        config: {
          base_url: form.base_url,
          system_uuid: form.system_uuid,
          groups: form.groups.split(',').map((g) => g.trim()).filter(Boolean),
          ...(form.backfill_from ? { backfill_from: form.backfill_from } : {}),
        },
        secrets: { api_key: form.api_key },
      });
      setForm({ id: '', name: '', base_url: '', system_uuid: '', groups: '', api_key: '', backfill_from: '' });
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-label="Add a Match-Trader connector">
      <h2>Add a Match-Trader connector</h2>
      <div className="inline-form">
        <TextField label="Connector id" value={form.id} onChange={set('id')} required pattern="[a-z0-9][a-z0-9_\-]{0,62}" placeholder="match-trader-live" />
        <TextField label="Name" value={form.name} onChange={set('name')} placeholder="Match-Trader live" />
        <TextField label="Broker API base URL" value={form.base_url} onChange={set('base_url')} required type="url" placeholder="https://broker-api.example.com" />
        <TextField label="System UUID" value={form.system_uuid} onChange={set('system_uuid')} required />
        <TextField label="Groups (comma-separated)" value={form.groups} onChange={set('groups')} required />
        <TextField label="API key" value={form.api_key} onChange={set('api_key')} required type="password" autoComplete="off" hint="Sealed at rest and never shown again." />
        <TextField label="Backfill from" value={form.backfill_from} onChange={set('backfill_from')} type="date" />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        Add connector
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

function Upload({ onUploaded }: { onUploaded: () => void }) {
  const [entity, setEntity] = useState('customers');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const file = useRef<HTMLInputElement>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const f = file.current?.files?.[0];
    if (!f) {
      setError(new Error('Choose a CSV file first.'));
      return;
    }
    setError(undefined);
    const form = new FormData();
    form.append('entity', entity);
    form.append('file', f, f.name);
    // XMLHttpRequest reports upload progress; fetch does not.
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/imports');
    xhr.withCredentials = true;
    const csrf = currentCsrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (ev) => ev.lengthComputable && setProgress(Math.round((ev.loaded * 100) / ev.total));
    xhr.onload = () => {
      setProgress(null);
      if (xhr.status >= 200 && xhr.status < 300) {
        if (file.current) file.current.value = '';
        onUploaded();
      } else {
        let message = `The upload failed (HTTP ${xhr.status}).`;
        try {
          message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
        } catch {
          /* not JSON */
        }
        setError(new ApiError(xhr.status, 'upload_failed', message));
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setError(new Error('Could not reach the server. Check your connection and try again.'));
    };
    xhr.send(form);
  }
  return (
    <form className="card inline-form" onSubmit={submit} aria-label="Upload a CSV file">
      <SelectField
        label="What the file holds"
        value={entity}
        onChange={setEntity}
        options={['customers', 'transactions', 'trading-activity', 'trading-accounts'].map((v) => ({ value: v, label: v.replace('-', ' ') }))}
      />
      <div className="field">
        <label htmlFor="csv-file">CSV file</label>
        <input id="csv-file" type="file" accept=".csv,text/csv" ref={file} />
      </div>
      <button type="submit" className="btn btn-primary" disabled={progress !== null}>
        Upload
      </button>
      {progress !== null && (
        <span>
          <progress max={100} value={progress} aria-label="Upload progress" /> {progress} %
        </span>
      )}
      <ErrorMessage error={error} />
    </form>
  );
}
