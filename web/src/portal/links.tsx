import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatNumber, formatPercent, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { Badge, CopyButton, DataView, ErrorMessage, fieldErrors, Money, PageHeader, Panel, SelectField, TextField, useAsync } from '../ui.tsx';

interface Link {
  link_id: string;
  code: string;
  kind: 'client' | 'recruit';
  label: string | null;
  destination_url: string;
  campaign_id: string | null;
  status: string;
  url: string;
  created_at?: string;
}
interface Funnel {
  link_id: string | null;
  clicks: number;
  registrations: number;
  ftd_count: number;
  ftd_amount: string;
  registration_rate: string | null;
  ftd_rate: string | null;
}

export function Links() {
  const { t } = useTranslation();
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const from = dayIn(tz, 89);
  const to = dayIn(tz);
  const links = useAsync((signal) => api.get<{ data: Link[] }>(`/api/v1/partners/${enc(partnerId)}/links${qs({ per_page: 500 })}`, { signal }), [partnerId]);
  const funnel = useAsync((signal) => api.get<{ data: Funnel[] }>(`/api/v1/reports/partners/${enc(partnerId)}/links${qs({ from, to })}`, { signal }), [partnerId, from, to]);
  const [creating, setCreating] = useState(false);
  const [qr, setQr] = useState<Link | null>(null);
  const byLink = new Map((funnel.data?.data ?? []).map((f) => [f.link_id, f]));
  return (
    <>
      <PageHeader
        title={t('links.title')}
        subtitle={t('links.subtitle', { period: t('common.brokerTime', { range: formatPeriod(from, to), zone: tz }) })}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} disabled={me.user.partner_status !== 'active'} title={me.user.partner_status !== 'active' ? t('links.notApproved') : undefined}>
            {t('links.newLink')}
          </button>
        }
      />
      {creating && (
        <NewLink
          partnerId={partnerId}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            links.reload();
            funnel.reload();
          }}
        />
      )}
      {qr && (
        <Panel title={t('links.qrTitle', { name: qr.label ?? qr.code })} onClose={() => setQr(null)}>
          <div className="qr">
            <img src={`/api/v1/links/${enc(qr.link_id)}/qr.svg?size=240`} width={240} height={240} alt={t('links.qrAlt', { url: qr.url })} />
            <p className="mono">{qr.url}</p>
            <a className="btn" href={`/api/v1/links/${enc(qr.link_id)}/qr.png?size=1024`} download={`${qr.code}-qr.png`}>
              {t('links.downloadPng')}
            </a>
          </div>
        </Panel>
      )}
      {funnel.error && <ErrorMessage error={funnel.error} retry={funnel.reload} />}
      <DataView state={links} isEmpty={(d) => d.data.length === 0} empty={t('links.empty')}>
        {(d) => (
          <DataTable
            label={t('links.tableLabel')}
            filename="links"
            rows={d.data}
            rowKey={(l) => l.link_id}
            rowData={(l) => ({ link: l.code })}
            columns={[
              {
                id: 'label',
                header: t('links.colLink'),
                value: (l) => l.label ?? l.code,
                cell: (l) => (
                  <div>
                    <div className="strong">{l.label ?? l.code}</div>
                    <div className="mono small muted break">{l.url}</div>
                    {l.campaign_id && <div className="small muted">{t('links.campaign', { campaign: l.campaign_id })}</div>}
                    {l.status !== 'active' && <Badge>{l.status}</Badge>}
                  </div>
                ),
              },
              { id: 'code', header: 'Code', value: (l) => l.code, hidden: true },
              { id: 'url', header: 'URL', value: (l) => l.url, hidden: true },
              { id: 'campaign_id', header: 'Campaign', value: (l) => l.campaign_id, hidden: true },
              {
                id: 'kind',
                header: t('links.colKind'),
                value: (l) => l.kind,
                cell: (l) => <Badge tone={l.kind}>{l.kind === 'recruit' ? t('links.kindRecruit') : t('links.kindClient')}</Badge>,
              },
              { id: 'clicks', header: t('links.colClicks'), className: 'r', sort: 'number', dataCol: 'clicks', value: (l) => byLink.get(l.link_id)?.clicks ?? 0, cell: (l) => formatNumber(byLink.get(l.link_id)?.clicks ?? 0) },
              {
                id: 'registrations',
                header: t('links.colRegistrations'),
                className: 'r',
                sort: 'number',
                dataCol: 'registrations',
                value: (l) => byLink.get(l.link_id)?.registrations ?? 0,
                cell: (l) => {
                  const f = byLink.get(l.link_id);
                  return (
                    <div>
                      {formatNumber(f?.registrations ?? 0)}
                      {f?.registration_rate ? <div className="small muted">{formatPercent(f.registration_rate)}</div> : null}
                    </div>
                  );
                },
              },
              {
                id: 'ftd_count',
                header: t('links.colFtd'),
                className: 'r',
                sort: 'number',
                value: (l) => byLink.get(l.link_id)?.ftd_count ?? 0,
                cell: (l) => {
                  const f = byLink.get(l.link_id);
                  return (
                    <div>
                      {formatNumber(f?.ftd_count ?? 0)}
                      {f?.ftd_rate ? <div className="small muted">{formatPercent(f.ftd_rate)}</div> : null}
                    </div>
                  );
                },
              },
              { id: 'ftd_amount', header: t('links.colFtdAmount'), className: 'r', sort: 'decimal', value: (l) => byLink.get(l.link_id)?.ftd_amount ?? '0', cell: (l) => <Money value={byLink.get(l.link_id)?.ftd_amount ?? '0'} currency="USD" /> },
              {
                id: 'share',
                header: t('links.colShare'),
                noExport: true,
                cell: (l) => (
                  <div className="nowrap row-actions">
                    <CopyButton text={l.url} label={t('links.copyLink')} />
                    <button type="button" className="btn btn-small" onClick={() => setQr(l)}>
                      {t('links.qrCode')}
                    </button>
                  </div>
                ),
              },
            ]}
          />
        )}
      </DataView>
    </>
  );
}

function NewLink({ partnerId, onClose, onCreated }: { partnerId: string; onClose: () => void; onCreated: () => void }) {
  const { t } = useTranslation();
  const { config } = useSession();
  const [kind, setKind] = useState<'client' | 'recruit'>('client');
  const [label, setLabel] = useState('');
  const [destination, setDestination] = useState(config.default_destination_url ?? '');
  const [campaign, setCampaign] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  const recruitDestination = `${window.location.origin}/portal/sign-up`;
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/partners/${enc(partnerId)}/links`, {
        kind,
        destination_url: kind === 'recruit' ? recruitDestination : destination.trim(),
        ...(label.trim() ? { label: label.trim() } : {}),
        ...(campaign.trim() ? { campaign_id: campaign.trim() } : {}),
        ...(code.trim() ? { code: code.trim() } : {}),
      });
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title={t('links.newLink')} onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        <SelectField
          label={t('links.whoFor')}
          value={kind}
          onChange={(v) => setKind(v as 'client' | 'recruit')}
          options={[
            { value: 'client', label: t('links.forClients') },
            { value: 'recruit', label: t('links.forRecruits') },
          ]}
        />
        <TextField label={t('links.label')} value={label} onChange={setLabel} error={errors.label} placeholder={t('links.labelPlaceholder')} />
        {kind === 'client' ? (
          <TextField label={t('links.destination')} type="url" required value={destination} onChange={setDestination} error={errors.destination_url} hint={t('links.destinationHint')} placeholder="https://broker.example/register" />
        ) : (
          <p className="field-hint">{t('links.recruitHint')}</p>
        )}
        <TextField label={t('links.campaignField')} value={campaign} onChange={setCampaign} error={errors.campaign_id} />
        <TextField label={t('links.code')} value={code} onChange={setCode} error={errors.code} hint={t('links.codeHint')} />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t('links.creating') : t('links.create')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Panel>
  );
}
