import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, ApiError, currentCsrfToken, download, enc } from '../api.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, ErrorMessage, PageHeader, SelectField, TableWrap, useAsync } from '../ui.tsx';

interface Endpoint {
  id: string;
  url: string;
  description?: string;
  enabled: boolean;
  consecutive_failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
  events?: string[];
}
interface DeadLetter {
  id: string;
  message_id?: string;
  endpoint_id: string;
  event_type?: string;
  event?: string;
  created_at?: string;
  last_error?: string | null;
}

export function Webhooks() {
  const { can } = useSession();
  const admin = can('admin');
  const endpoints = useAsync((signal) => api.get<{ data: Endpoint[] }>('/api/v1/webhooks/endpoints', { signal }), []);
  const dead = useAsync((signal) => api.get<{ data: DeadLetter[] }>('/api/v1/webhooks/dead-letters', { signal }), []);
  const [deliveries, setDeliveries] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Webhooks" subtitle="Endpoints that receive OpenIB's events, their deliveries and what could not be delivered." />
      <DataView state={endpoints} isEmpty={(d) => d.data.length === 0} empty="No webhook endpoints. Add one through the API (POST /api/v1/webhooks/endpoints).">
        {(d) => (
          <TableWrap label="Webhook endpoints" columns={['Endpoint', 'Health', 'Actions']}>
            {d.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <div className="mono small break">{e.url}</div>
                  {e.description ? <div className="small muted">{e.description}</div> : null}
                </td>
                <td>
                  <Badge tone={e.enabled ? (e.consecutive_failures ? 'held' : 'active') : 'disabled'}>{e.enabled ? (e.consecutive_failures ? `${e.consecutive_failures} failures` : 'Healthy') : 'Disabled'}</Badge>
                  <div className="small muted">{e.last_success_at ? `Last delivered ${formatDateTime(e.last_success_at)}` : 'Nothing delivered yet'}</div>
                </td>
                <td className="nowrap">
                  <button type="button" className="btn btn-small" onClick={() => setDeliveries(deliveries === e.id ? null : e.id)} aria-expanded={deliveries === e.id}>
                    Deliveries
                  </button>{' '}
                  {admin && (
                    <ActionButton className="btn btn-small" onClick={async () => (await api.post(`/api/v1/webhooks/endpoints/${enc(e.id)}/${e.enabled ? 'disable' : 'enable'}`, {}), endpoints.reload())}>
                      {e.enabled ? 'Disable' : 'Enable'}
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      {deliveries && <Deliveries endpointId={deliveries} />}
      <h2>Dead letters</h2>
      <DataView state={dead} isEmpty={(d) => d.data.length === 0} empty="No dead letters: every message was delivered or is still being retried.">
        {(d) => (
          <>
            {admin && (
              <div className="toolbar">
                <ActionButton className="btn btn-primary" onClick={async () => (await api.post('/api/v1/webhooks/dead-letters/replay', { ids: d.data.map((x) => x.id) }), dead.reload())}>
                  Replay all shown
                </ActionButton>
              </div>
            )}
            <TableWrap label="Dead letters" columns={['Message', 'Endpoint', 'Error']}>
              {d.data.map((x) => (
                <tr key={x.id}>
                  <td>
                    {x.event_type ?? x.event ?? x.message_id ?? x.id}
                    <div className="small muted">{formatDateTime(x.created_at)}</div>
                  </td>
                  <td className="small">{x.endpoint_id}</td>
                  <td className="small">{x.last_error ?? ''}</td>
                </tr>
              ))}
            </TableWrap>
          </>
        )}
      </DataView>
    </>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const state = useAsync((signal) => api.get<{ data: { id: string; event_type?: string; status?: string; state?: string; attempts?: number; created_at?: string }[] }>(`/api/v1/webhooks/endpoints/${enc(endpointId)}/deliveries`, { signal }), [endpointId]);
  return (
    <section className="card" aria-label="Deliveries">
      <h2>Deliveries</h2>
      <DataView state={state} isEmpty={(d) => d.data.length === 0} empty="No messages for this endpoint yet.">
        {(d) => (
          <TableWrap label="Deliveries" columns={['Event', 'State', { label: 'Attempts', className: 'r' }, 'Created']}>
            {d.data.map((m) => (
              <tr key={m.id}>
                <td>{m.event_type ?? m.id}</td>
                <td>
                  <Badge>{m.status ?? m.state ?? '—'}</Badge>
                </td>
                <td className="r">{m.attempts ?? '—'}</td>
                <td>{formatDateTime(m.created_at)}</td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </section>
  );
}

interface Connector {
  id: string;
  name?: string;
  kind?: string;
  status?: string;
  enabled?: boolean;
  last_run_at?: string | null;
  last_error?: string | null;
  records_in?: number;
  records_rejected?: number;
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
          <TableWrap label="Connectors" columns={['Connector', 'Status', 'Last run', { label: 'Records in', className: 'r' }, { label: 'Rejected', className: 'r' }]}>
            {d.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <div className="strong">{c.name ?? c.id}</div>
                  <div className="small muted">{c.kind}</div>
                </td>
                <td>
                  <Badge>{c.status ?? (c.enabled ? 'active' : 'paused')}</Badge>
                  {c.last_error ? <div className="small neg">{c.last_error}</div> : null}
                </td>
                <td>{formatDateTime(c.last_run_at)}</td>
                <td className="r">{formatNumber(c.records_in ?? 0)}</td>
                <td className="r">{formatNumber(c.records_rejected ?? 0)}</td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
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
