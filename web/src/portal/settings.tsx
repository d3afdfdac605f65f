import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, enc, qs, routeExists } from '../api.ts';
import { formatDateTime, formatNumber, titleCase } from '../format.ts';
import { chooseLanguage, isLanguage, LANGUAGES } from '../i18n/index.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { ActionButton, Badge, DataView, Empty, ErrorMessage, fieldErrors, Loading, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync, useStatusLabel } from '../ui.tsx';

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

const EVENTS = ['registration', 'ftd', 'cpa_qualified', 'commission_approved', 'ledger_checkpoint'] as const;

export function Postbacks() {
  const { t } = useTranslation();
  const label = useStatusLabel();
  const { me, can } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const list = useAsync((signal) => api.get<{ data: Postback[] }>(`/api/v1/partners/${enc(partnerId)}/postbacks`, { signal }), [partnerId]);
  const log = useAsync((signal) => api.get<{ data: Attempt[] }>(`/api/v1/partners/${enc(partnerId)}/postbacks/log${qs({ per_page: 50 })}`, { signal }), [partnerId]);
  const [adding, setAdding] = useState(false);
  const writable = can('postbacks:write');
  return (
    <>
      <PageHeader
        title={t('postbacks.title')}
        subtitle={t('postbacks.subtitle')}
        actions={
          writable ? (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              {t('postbacks.add')}
            </button>
          ) : undefined
        }
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
      <DataView state={list} isEmpty={(d) => d.data.length === 0} empty={t('postbacks.empty')}>
        {(d) => (
          <TableWrap label={t('postbacks.tableLabel')} columns={[t('postbacks.colEvent'), t('postbacks.colUrl'), t('postbacks.colHealth'), { label: t('postbacks.colActions'), srOnly: true }]}>
            {d.data.map((p) => (
              <tr key={p.id}>
                <td>
                  {t(`postbacks.events.${p.event}`, { defaultValue: titleCase(p.event) })}
                  <div className="small muted">{p.method}</div>
                </td>
                <td className="mono small break">{p.url}</td>
                <td>
                  <Badge tone={p.enabled ? (p.consecutive_failures ? 'held' : 'active') : 'disabled'}>{p.enabled ? (p.consecutive_failures ? t('postbacks.failures', { count: formatNumber(p.consecutive_failures) }) : t('postbacks.ok')) : t('postbacks.disabled')}</Badge>
                  <div className="small muted">{p.last_success_at ? t('postbacks.lastDelivered', { at: formatDateTime(p.last_success_at) }) : t('postbacks.notDelivered')}</div>
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
                        {p.enabled ? t('postbacks.disable') : t('postbacks.enable')}
                      </ActionButton>{' '}
                      <ActionButton
                        className="btn btn-small btn-danger"
                        confirm={t('postbacks.confirmDelete')}
                        onClick={async () => {
                          await api.del(`/api/v1/partners/${enc(partnerId)}/postbacks/${enc(p.id)}`);
                          list.reload();
                        }}
                      >
                        {t('postbacks.delete')}
                      </ActionButton>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </TableWrap>
        )}
      </DataView>
      <h2>{t('postbacks.log')}</h2>
      <DataView state={log} isEmpty={(d) => d.data.length === 0} empty={t('postbacks.logEmpty')}>
        {(d) => (
          <DataTable
            label={t('postbacks.logLabel')}
            filename="postback-log"
            rows={d.data}
            rowKey={(a) => String(a.id)}
            columns={[
              { id: 'attempted_at', header: t('postbacks.colWhen'), value: (a) => a.attempted_at, cell: (a) => formatDateTime(a.attempted_at) },
              {
                id: 'outcome',
                header: t('postbacks.colOutcome'),
                value: (a) => a.outcome,
                cell: (a) => (
                  <div>
                    <Badge tone={a.outcome === 'delivered' ? 'active' : 'rejected'}>{label(a.outcome)}</Badge>
                    {a.attempt > 1 ? <span className="small muted"> {t('postbacks.attempt', { attempt: formatNumber(a.attempt) })}</span> : null}
                  </div>
                ),
              },
              { id: 'status_code', header: 'HTTP', className: 'r', sort: 'number', value: (a) => a.status_code, cell: (a) => a.status_code ?? '—' },
              { id: 'latency_ms', header: t('postbacks.colTime'), className: 'r', sort: 'number', value: (a) => a.latency_ms, cell: (a) => t('postbacks.ms', { ms: formatNumber(a.latency_ms) }) },
              { id: 'error', header: t('postbacks.colError'), value: (a) => a.error, cell: (a) => <span className="small">{a.error ?? ''}</span> },
            ]}
          />
        )}
      </DataView>
    </>
  );
}

function NewPostback({ partnerId, onClose, onCreated }: { partnerId: string; onClose: () => void; onCreated: () => void }) {
  const { t } = useTranslation();
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
    <Panel title={t('postbacks.add')} onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        <SelectField label={t('postbacks.event')} value={event} onChange={setEvent} options={EVENTS.map((value) => ({ value, label: t(`postbacks.events.${value}`) }))} error={errors.event} />
        <TextField label={t('postbacks.trackerUrl')} required value={url} onChange={setUrl} error={errors.url} placeholder="https://tracker.example/pb?cid={click_id}&amount={amount}" hint={
            event === 'ledger_checkpoint'
              ? t('postbacks.checkpointMacros')
              : t('postbacks.macros')
          } />
        <SelectField label={t('postbacks.method')} value={method} onChange={setMethod} options={[{ value: 'GET', label: 'GET' }, { value: 'POST', label: t('postbacks.postJson') }]} />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('postbacks.saving') : t('postbacks.add')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {t('common.cancel')}
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
/** Labels are the `profile.methods.*` and `profile.field.*` messages. */
const PAYOUT_METHODS: Record<string, { fields: { name: string; required?: boolean; hint?: boolean }[] }> = {
  bank_transfer: {
    fields: [
      { name: 'account_holder', required: true },
      { name: 'iban', hint: true },
      { name: 'account_number' },
      { name: 'swift_bic', required: true },
      { name: 'bank_name' },
      { name: 'bank_country' },
    ],
  },
  crypto_wallet: {
    fields: [
      { name: 'network', required: true },
      { name: 'address', required: true },
      { name: 'memo' },
    ],
  },
  e_wallet: {
    fields: [
      { name: 'provider', required: true },
      { name: 'account', required: true },
    ],
  },
  other: { fields: [{ name: 'instructions', required: true }] },
};

export function Profile() {
  const { t } = useTranslation();
  const label = useStatusLabel();
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const partner = useAsync((signal) => api.get<Partner>(`/api/v1/partners/${enc(partnerId)}`, { signal }), [partnerId]);
  return (
    <>
      <PageHeader title={t('profile.title')} subtitle={me.user.email} />
      <div className="grid-2">
        <section className="card" aria-labelledby="profile-details">
          <h2 id="profile-details">{t('profile.details')}</h2>
          <DataView state={partner}>
            {(p) => (
              <dl className="details">
                <div><dt>{t('profile.name')}</dt><dd>{p.name}</dd></div>
                <div><dt>{t('profile.partnerId')}</dt><dd className="mono">{p.partner_id}</dd></div>
                <div><dt>{t('profile.status')}</dt><dd><Badge tone={p.status}>{label(p.status)}</Badge></dd></div>
                {p.referral_code ? <div><dt>{t('profile.referralCode')}</dt><dd className="mono">{p.referral_code}</dd></div> : null}
                {p.country ? <div><dt>{t('profile.country')}</dt><dd>{p.country}</dd></div> : null}
                {p.payout_currency ? <div><dt>{t('profile.payoutCurrency')}</dt><dd>{p.payout_currency}</dd></div> : null}
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
  const { t } = useTranslation();
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
      setError(err instanceof ApiError && err.status === 401 ? new Error(t('profile.wrongPassword')) : err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby="change-password">
      <h2 id="change-password">{t('profile.changePassword')}</h2>
      <TextField label={t('profile.currentPassword')} type="password" autoComplete="current-password" required value={current} onChange={setCurrent} />
      <TextField label={t('profile.newPassword')} type="password" autoComplete="new-password" minLength={10} required value={next} onChange={setNext} hint={t('profile.newPasswordHint')} />
      <ErrorMessage error={error} />
      {done && <p className="notice" role="status">{t('profile.passwordChanged')}</p>}
      <button type="submit" className="btn" disabled={busy}>
        {busy ? t('profile.saving') : t('profile.changePassword')}
      </button>
    </form>
  );
}

function PayoutDetails({ partnerId }: { partnerId: string }) {
  const { t } = useTranslation();
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
      <h2 id="payout-details">{t('profile.payoutDetails')}</h2>
      {state === 'loading' && <Loading />}
      {state === 'missing' && <Empty>{t('profile.payoutMissing')}</Empty>}
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
          {updatedAt && <p className="muted">{t('profile.lastChanged', { at: formatDateTime(updatedAt) })}</p>}
          <SelectField
            label={t('profile.method')}
            value={method}
            onChange={setMethod}
            options={Object.keys(PAYOUT_METHODS).map((value) => ({ value, label: t(`profile.methods.${value}`) }))}
            error={errors.method}
          />
          {spec.fields.map((f) => (
            <TextField
              key={`${method}-${f.name}`}
              label={f.required ? `${t(`profile.field.${f.name}`)} *` : t(`profile.field.${f.name}`)}
              value={values[f.name] ?? ''}
              onChange={(v) => setValues({ ...values, [f.name]: v })}
              error={errors[`details.${f.name}`]}
              hint={f.hint ? t(`profile.field.${f.name}Hint`) : undefined}
            />
          ))}
          <ErrorMessage error={error} />
          {saved && <p className="notice" role="status">{t('profile.saved')}</p>}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">{t('profile.save')}</button>
          </div>
        </form>
      )}
    </section>
  );
}
