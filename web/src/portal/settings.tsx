import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, enc, qs, routeExists } from '../api.ts';
import { formatDateTime, titleCase } from '../format.ts';
import { chooseLanguage, isLanguage, LANGUAGES } from '../i18n/index.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, DataView, Empty, ErrorMessage, fieldErrors, Loading, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

interface Postback {
  id: string;
  event: string;
  url: string;
  method: 'GET' | 'POST';
  description: string;
  enabled: boolean;
  consecutive_failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
}
interface Attempt {
  id: number;
  message_id: string;
  attempt: number;
  attempted_at: string;
  outcome: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

const EVENTS = [
  { value: 'registration', label: 'Registration' },
  { value: 'ftd', label: 'First deposit' },
  { value: 'cpa_qualified', label: 'CPA qualified' },
  { value: 'commission_approved', label: 'Commission approved' },
  { value: 'ledger_checkpoint', label: 'Ledger checkpoint (signed; to keep as proof)' },
];

export function Postbacks() {
  const { me, can } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const list = useAsync((signal) => api.get<{ data: Postback[] }>(`/api/v1/partners/${enc(partnerId)}/postbacks`, { signal }), [partnerId]);
  const log = useAsync((signal) => api.get<{ data: Attempt[] }>(`/api/v1/partners/${enc(partnerId)}/postbacks/log${qs({ per_page: 50 })}`, { signal }), [partnerId]);
  const [adding, setAdding] = useState(false);
  const writable = can('postbacks:write');
  return (
    <>
      <PageHeader
        title="Postbacks"
        subtitle="Tell your tracker about registrations, first deposits and commission, server to server."
        actions={writable ? <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>Add postback</button> : undefined}
      />
      {adding && (
        <NewPostback
          partnerId={partnerId}
          onClose={() => setAdding(false)}
          onCreated={() => {
            setAdding(false);
            list.reload();
          }}
        />
      )}
      <DataView state={list} isEmpty={(d) => d.data.length === 0} empty="No postbacks yet. Add one with your tracker's URL and macros such as {click_id} and {amount}.">
        {(d) => (
          <TableWrap label="Postbacks" columns={['Event', 'URL', 'Health', { label: 'Actions', srOnly: true }]}>
            {d.data.map((p) => (
              <tr key={p.id}>
                <td>
                  {titleCase(p.event)}
                  <div className="small muted">{p.method}</div>
                </td>
                <td className="mono small break">{p.url}</td>
                <td>
                  <Badge tone={p.enabled ? (p.consecutive_failures ? 'held' : 'active') : 'disabled'}>{p.enabled ? (p.consecutive_failures ? `${p.consecutive_failures} failures` : 'OK') : 'Disabled'}</Badge>
                  <div className="small muted">{p.last_success_at ? `Last delivered ${formatDateTime(p.last_success_at)}` : 'Not delivered yet'}</div>
                </td>
                <td className="nowrap">
                  {writable && (
                    <>
                      <ActionButton
                        className="btn btn-small"
                        onClick={async () => {
                          await api.patch(`/api/v1/partners/${enc(partnerId)}/postbacks/${enc(p.id)}`, { enabled: !p.enabled });
                          list.reload();
                        }}
                      >
                        {p.enabled ? 'Disable' : 'Enable'}
                      </ActionButton>{' '}
                      <ActionButton
                        className="btn btn-small btn-danger"
                        confirm="Delete this postback?"
                        onClick={async () => {
                          await api.del(`/api/v1/partners/${enc(partnerId)}/postbacks/${enc(p.id)}`);
                          list.reload();
                        }}
                      >
                        Delete
                      </ActionButton>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <h2>Delivery log</h2>
      <DataView state={log} isEmpty={(d) => d.data.length === 0} empty="Nothing sent yet.">
        {(d) => (
          <TableWrap label="Postback delivery log" columns={['When', 'Outcome', { label: 'HTTP', className: 'r' }, { label: 'Time', className: 'r' }, 'Error']}>
            {d.data.map((a) => (
              <tr key={a.id}>
                <td>{formatDateTime(a.attempted_at)}</td>
                <td>
                  <Badge tone={a.outcome === 'delivered' ? 'active' : 'rejected'}>{a.outcome}</Badge>
                  {a.attempt > 1 ? <span className="small muted"> attempt {a.attempt}</span> : null}
                </td>
                <td className="r">{a.status_code ?? '—'}</td>
                <td className="r">{a.latency_ms} ms</td>
                <td className="small">{a.error ?? ''}</td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
    </>
  );
}

function NewPostback({ partnerId, onClose, onCreated }: { partnerId: string; onClose: () => void; onCreated: () => void }) {
  const [event, setEvent] = useState('registration');
  const [url, setUrl] = useState('');
  const [method, setMethod] = useState('GET');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/partners/${enc(partnerId)}/postbacks`, { event, url: url.trim(), method });
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title="Add postback" onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        <SelectField label="Event" value={event} onChange={setEvent} options={EVENTS} error={errors.event} />
        <TextField label="Tracker URL" required value={url} onChange={setUrl} error={errors.url} placeholder="https://tracker.example/pb?cid={click_id}&amount={amount}" hint={
            event === 'ledger_checkpoint'
              ? 'Macros: {partner_id} {checkpoint_id} {seq} {head} {key_id} {signature} {payload} — keep them to check later exports with openib verify.'
              : 'Macros: {click_id} {customer_id} {event} {amount} {currency} {campaign_id} {sub_id} {partner_id} {transaction_id}'
          } />
        <SelectField label="Method" value={method} onChange={setMethod} options={[{ value: 'GET', label: 'GET' }, { value: 'POST', label: 'POST (JSON body)' }]} />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Add postback'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}

interface Partner {
  partner_id: string;
  name: string;
  email?: string | null;
  country?: string | null;
  status: string;
  referral_code?: string | null;
  payout_currency?: string | null;
  parent_id?: string | null;
}

/** The fields of each payout method, as the server validates them (src/partners/payout-details.ts). */
const PAYOUT_METHODS: Record<string, { label: string; fields: { name: string; label: string; required?: boolean; hint?: string }[] }> = {
  bank_transfer: {
    label: 'Bank transfer',
    fields: [
      { name: 'account_holder', label: 'Account holder', required: true },
      { name: 'iban', label: 'IBAN', hint: 'Or an account number below.' },
      { name: 'account_number', label: 'Account number' },
      { name: 'swift_bic', label: 'SWIFT / BIC', required: true },
      { name: 'bank_name', label: 'Bank name' },
      { name: 'bank_country', label: 'Bank country (2 letters)' },
    ],
  },
  crypto_wallet: {
    label: 'Crypto wallet',
    fields: [
      { name: 'network', label: 'Network (e.g. TRC20)', required: true },
      { name: 'address', label: 'Wallet address', required: true },
      { name: 'memo', label: 'Memo / tag' },
    ],
  },
  e_wallet: {
    label: 'E-wallet',
    fields: [
      { name: 'provider', label: 'Provider (e.g. Skrill)', required: true },
      { name: 'account', label: 'Account', required: true },
    ],
  },
  other: { label: 'Other', fields: [{ name: 'instructions', label: 'Instructions', required: true }] },
};

export function Profile() {
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const partner = useAsync((signal) => api.get<Partner>(`/api/v1/partners/${enc(partnerId)}`, { signal }), [partnerId]);
  return (
    <>
      <PageHeader title="Profile" subtitle={me.user.email} />
      <div className="grid-2">
        <section className="card" aria-labelledby="profile-details">
          <h2 id="profile-details">Partner details</h2>
          <DataView state={partner}>
            {(p) => (
              <dl className="details">
                <div><dt>Name</dt><dd>{p.name}</dd></div>
                <div><dt>Partner id</dt><dd className="mono">{p.partner_id}</dd></div>
                <div><dt>Status</dt><dd><Badge>{p.status}</Badge></dd></div>
                {p.referral_code ? <div><dt>Referral code</dt><dd className="mono">{p.referral_code}</dd></div> : null}
                {p.country ? <div><dt>Country</dt><dd>{p.country}</dd></div> : null}
                {p.payout_currency ? <div><dt>Payout currency</dt><dd>{p.payout_currency}</dd></div> : null}
              </dl>
            )}
          </DataView>
        </section>
        <ChangePassword />
      </div>
      <PortalLanguageSetting />
      <PayoutDetails partnerId={partnerId} />
    </>
  );
}

/** The portal's language, remembered on this device (the header has the same choice). */
function PortalLanguageSetting() {
  const { t, i18n } = useTranslation();
  return (
    <section className="card" aria-labelledby="profile-language">
      <h2 id="profile-language">{t('profile.language')}</h2>
      <SelectField
        label={t('shell.language')}
        value={i18n.language}
        onChange={(v) => {
          if (isLanguage(v)) chooseLanguage(v);
        }}
        options={LANGUAGES.map((l) => ({ value: l.code, label: l.name }))}
      />
      <p className="field-hint">{t('profile.languageHint')}</p>
    </section>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await api.post('/api/v1/me/password', { current_password: current, new_password: next }, { quiet401: true });
      setDone(true);
      setCurrent('');
      setNext('');
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? new Error('The current password is not right.') : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby="change-password">
      <h2 id="change-password">Change password</h2>
      <TextField label="Current password" type="password" autoComplete="current-password" required value={current} onChange={setCurrent} />
      <TextField label="New password" type="password" autoComplete="new-password" minLength={10} required value={next} onChange={setNext} hint="At least 10 characters. Other sessions are signed out." />
      <ErrorMessage error={error} />
      {done && <p className="notice" role="status">Password changed.</p>}
      <button type="submit" className="btn" disabled={busy}>
        {busy ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}

function PayoutDetails({ partnerId }: { partnerId: string }) {
  const [method, setMethod] = useState('bank_transfer');
  const [values, setValues] = useState<Record<string, string>>({});
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'missing' | 'error'>('loading');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    routeExists('GET', '/api/v1/partners/{partner_id}/payout-details')
      .then((exists) => {
        if (!exists) throw new ApiError(404, 'route_missing', 'missing');
        return api.get<{ data: { method: string; details: Record<string, string>; updated_at?: string } | null }>(`/api/v1/partners/${enc(partnerId)}/payout-details`);
      })
      .then((res) => {
        if (res.data) {
          setMethod(res.data.method in PAYOUT_METHODS ? res.data.method : 'other');
          setValues({ ...res.data.details });
          setUpdatedAt(res.data.updated_at ?? null);
        }
        setState('ready');
      })
      .catch((err) => {
        if (err instanceof ApiError && err.code === 'route_missing') setState('missing');
        else {
          setError(err);
          setState('error');
        }
      });
  }, [partnerId]);
  const spec = PAYOUT_METHODS[method];
  const errors = fieldErrors(error);
  return (
    <section className="card" aria-labelledby="payout-details">
      <h2 id="payout-details">Payout details</h2>
      {state === 'loading' && <Loading />}
      {state === 'missing' && <Empty>This server does not manage payout details yet. Send your bank details to your partner manager.</Empty>}
      {state === 'error' && <ErrorMessage error={error} />}
      {state === 'ready' && (
        <form
          className="form-grid"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            setSaved(false);
            const details = Object.fromEntries(spec.fields.map((f) => [f.name, (values[f.name] ?? '').trim()]).filter(([, v]) => v !== ''));
            try {
              const res = await api.put<{ data: { updated_at?: string } }>(`/api/v1/partners/${enc(partnerId)}/payout-details`, { method, details });
              setUpdatedAt(res.data?.updated_at ?? null);
              setSaved(true);
            } catch (err) {
              setError(err);
            }
          }}
        >
          {updatedAt && <p className="muted">Last changed {formatDateTime(updatedAt)}. The broker is told whenever they change.</p>}
          <SelectField
            label="Method"
            value={method}
            onChange={setMethod}
            options={Object.entries(PAYOUT_METHODS).map(([value, m]) => ({ value, label: m.label }))}
            error={errors.method}
          />
          {spec.fields.map((f) => (
            <TextField
              key={`${method}-${f.name}`}
              label={f.required ? `${f.label} *` : f.label}
              value={values[f.name] ?? ''}
              onChange={(v) => setValues({ ...values, [f.name]: v })}
              error={errors[`details.${f.name}`]}
              hint={f.hint}
            />
          ))}
          <ErrorMessage error={error} />
          {saved && <p className="notice" role="status">Payout details saved.</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">Save payout details</button>
          </div>
        </form>
      )}
    </section>
  );
}
