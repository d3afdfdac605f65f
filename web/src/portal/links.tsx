import { type FormEvent, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { dayIn, formatMoney, formatNumber, formatPercent, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { Badge, CopyButton, DataView, ErrorMessage, fieldErrors, PageHeader, Panel, SelectField, TableWrap, TextField, useAsync } from '../ui.tsx';

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
        title="Links"
        subtitle={`Invite clients and recruit sub-IBs. Funnel over ${formatPeriod(from, to, tz)}.`}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} disabled={me.user.partner_status !== 'active'} title={me.user.partner_status !== 'active' ? 'Links can be created once your account is approved' : undefined}>
            New link
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
        <Panel title={`QR code for ${qr.label ?? qr.code}`} onClose={() => setQr(null)}>
          <div className="qr">
            <img src={`/api/v1/links/${enc(qr.link_id)}/qr.svg?size=240`} width={240} height={240} alt={`QR code that opens ${qr.url}`} />
            <p className="mono">{qr.url}</p>
            <a className="btn" href={`/api/v1/links/${enc(qr.link_id)}/qr.png?size=1024`} download={`${qr.code}-qr.png`}>
              Download PNG
            </a>
          </div>
        </Panel>
      )}
      {funnel.error && <ErrorMessage error={funnel.error} retry={funnel.reload} />}
      <DataView state={links} isEmpty={(d) => d.data.length === 0} empty="You have no links yet. Create one to start inviting clients or sub-IBs.">
        {(d) => (
          <TableWrap label="Your links" columns={['Link', 'Kind', { label: 'Clicks', className: 'r' }, { label: 'Registrations', className: 'r' }, { label: 'First deposits', className: 'r' }, { label: 'FTD amount', className: 'r' }, 'Share']}>
            {d.data.map((l) => {
              const f = byLink.get(l.link_id);
              return (
                <tr key={l.link_id} data-link={l.code}>
                  <td>
                    <div className="strong">{l.label ?? l.code}</div>
                    <div className="mono small muted">{l.url}</div>
                    {l.campaign_id && <div className="small muted">Campaign {l.campaign_id}</div>}
                    {l.status !== 'active' && <Badge>{l.status}</Badge>}
                  </td>
                  <td>
                    <Badge tone={l.kind}>{l.kind === 'recruit' ? 'Recruit sub-IBs' : 'Clients'}</Badge>
                  </td>
                  <td className="r" data-col="clicks">{formatNumber(f?.clicks ?? 0)}</td>
                  <td className="r" data-col="registrations">
                    {formatNumber(f?.registrations ?? 0)}
                    {f?.registration_rate ? <div className="small muted">{formatPercent(f.registration_rate)}</div> : null}
                  </td>
                  <td className="r">
                    {formatNumber(f?.ftd_count ?? 0)}
                    {f?.ftd_rate ? <div className="small muted">{formatPercent(f.ftd_rate)}</div> : null}
                  </td>
                  <td className="r">{formatMoney(f?.ftd_amount ?? '0', 'USD')}</td>
                  <td className="nowrap">
                    <CopyButton text={l.url} label="Copy link" /> <button type="button" className="btn btn-small" onClick={() => setQr(l)}>QR code</button>
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

function NewLink({ partnerId, onClose, onCreated }: { partnerId: string; onClose: () => void; onCreated: () => void }) {
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
    <Panel title="New link" onClose={onClose}>
      <form onSubmit={submit} className="form-grid">
        <SelectField
          label="Who is it for?"
          value={kind}
          onChange={(v) => setKind(v as 'client' | 'recruit')}
          options={[
            { value: 'client', label: 'Clients (trading accounts)' },
            { value: 'recruit', label: 'Sub-IBs (partners who join your team)' },
          ]}
        />
        <TextField label="Name (for you)" value={label} onChange={setLabel} error={errors.label} placeholder="e.g. YouTube description" />
        {kind === 'client' ? (
          <TextField label="Destination URL" type="url" required value={destination} onChange={setDestination} error={errors.destination_url} hint="The broker's registration page the link leads to." placeholder="https://broker.example/register" />
        ) : (
          <p className="field-hint">Leads to the partner sign-up page; people who sign up through it join your team.</p>
        )}
        <TextField label="Campaign (optional)" value={campaign} onChange={setCampaign} error={errors.campaign_id} />
        <TextField label="Custom code (optional)" value={code} onChange={setCode} error={errors.code} hint="Letters, digits and dashes; generated when empty." />
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create link'}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
