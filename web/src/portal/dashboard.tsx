import { useEffect, useMemo, useState } from 'react';
import { api, enc, qs } from '../api.ts';
import { type Point, TimeChart } from '../chart.tsx';
import { dayIn, formatDateTime, formatMoney, formatNumber, formatNumberCompact, formatPeriod } from '../format.ts';
import { useSession } from '../session.tsx';
import { DataView, ErrorMessage, KpiChange, KpiValue, PageHeader, useAsync } from '../ui.tsx';

type Kpis = Record<string, string | number>;
interface Summary {
  from: string;
  to: string;
  currency: string;
  own: Kpis;
  subtree: Kpis;
  change: Record<string, { previous: string | number; delta: string; percent: string | null }>;
}

const CARDS: { metric: string; label: string; money?: boolean }[] = [
  { metric: 'clicks', label: 'Clicks' },
  { metric: 'registrations', label: 'Registrations' },
  { metric: 'ftd_count', label: 'First deposits' },
  { metric: 'net_deposits', label: 'Net deposits', money: true },
  { metric: 'lots', label: 'Lots traded' },
  { metric: 'commission_approved', label: 'Commission approved', money: true },
  { metric: 'commission_pending', label: 'Commission pending', money: true },
  { metric: 'commission_paid', label: 'Commission paid', money: true },
];

const RANGES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
];

export function Dashboard() {
  const { me, config } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const tz = config.broker_time_zone;
  const [days, setDays] = useState(30);
  const [scope, setScope] = useState<'subtree' | 'own'>('subtree');
  const from = dayIn(tz, days - 1);
  const to = dayIn(tz);
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState<{ kpis: { own: Kpis; subtree: Kpis }; at: string } | null>(null);
  const [streamState, setStreamState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');

  const summary = useAsync((signal) => api.get<Summary>(`/api/v1/reports/partners/${enc(partnerId)}/summary${qs({ from, to })}`, { signal }), [partnerId, from, to]);
  const deposits = useAsync(
    (signal) => api.get<{ points: Point[] }>(`/api/v1/reports/partners/${enc(partnerId)}/timeseries${qs({ from, to, metric: 'net_deposits', scope })}`, { signal }),
    [partnerId, from, to, scope, version],
  );
  const registrations = useAsync(
    (signal) => api.get<{ points: Point[] }>(`/api/v1/reports/partners/${enc(partnerId)}/timeseries${qs({ from, to, metric: 'registrations', scope })}`, { signal }),
    [partnerId, from, to, scope, version],
  );

  // Live numbers: the stream pushes the period's KPIs whenever this partner's or its subtree's facts change.
  useEffect(() => {
    if (!partnerId) return;
    setLive(null);
    const source = new EventSource(`/api/v1/reports/partners/${enc(partnerId)}/stream${qs({ from, to })}`);
    let refresh: number | undefined;
    source.addEventListener('open', () => setStreamState('live'));
    source.addEventListener('error', () => setStreamState('reconnecting'));
    source.addEventListener('kpis', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as { own: Kpis; subtree: Kpis; at: string };
      setLive({ kpis: { own: data.own, subtree: data.subtree }, at: data.at });
      setStreamState('live');
      // Redraw the charts too, at most every two seconds.
      window.clearTimeout(refresh);
      refresh = window.setTimeout(() => setVersion((v) => v + 1), 2000);
    });
    return () => {
      window.clearTimeout(refresh);
      source.close();
    };
  }, [partnerId, from, to]);

  const moneyFmt = useMemo(() => (v: string | number) => formatMoney(v, 'USD'), []);
  const countFmt = useMemo(() => (v: string | number) => formatNumber(v), []);
  // Axis ticks: compact and without the currency symbol, so they fit the axis (the legend shows the amount).
  const tick = useMemo(() => (v: string | number) => formatNumberCompact(String(v)), []);

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={formatPeriod(from, to, tz)}
        actions={
          <div className="toolbar">
            <div className="segmented" role="group" aria-label="Period">
              {RANGES.map((r) => (
                <button key={r.days} type="button" className={`btn btn-small${days === r.days ? ' selected' : ''}`} aria-pressed={days === r.days} onClick={() => setDays(r.days)}>
                  {r.label}
                </button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label="Whose numbers">
              <button type="button" className={`btn btn-small${scope === 'subtree' ? ' selected' : ''}`} aria-pressed={scope === 'subtree'} onClick={() => setScope('subtree')}>
                With my team
              </button>
              <button type="button" className={`btn btn-small${scope === 'own' ? ' selected' : ''}`} aria-pressed={scope === 'own'} onClick={() => setScope('own')}>
                My clients only
              </button>
            </div>
          </div>
        }
      />
      {me.user.partner_status === 'pending' && (
        <p className="notice" role="status">
          Your partner account is waiting for the broker's approval. You can look around; links start working once it is approved.
        </p>
      )}
      <p className={`live live-${streamState}`} aria-live="polite">
        <span className="dot" aria-hidden="true" />
        {streamState === 'live' ? `Live${live ? ` · updated ${formatDateTime(live.at)}` : ''}` : streamState === 'connecting' ? 'Connecting to live updates…' : 'Live updates interrupted, reconnecting…'}
      </p>
      <DataView state={summary}>
        {(s) => {
          const values = live ? live.kpis[scope] : s[scope];
          return (
            <div className="kpis">
              {CARDS.map((c) => {
                const change = s.change[c.metric];
                return (
                  <div className="kpi card" key={c.metric} data-kpi={c.metric}>
                    <div className="kpi-label">{c.label}</div>
                    <KpiValue value={values[c.metric]} currency={c.money ? s.currency : undefined} />
                    {scope === 'subtree' && change && <KpiChange change={change} suffix={`vs previous ${days} days`} />}
                  </div>
                );
              })}
            </div>
          );
        }}
      </DataView>
      <div className="grid-2">
        <section className="card" aria-labelledby="chart-deposits">
          <h2 id="chart-deposits">Net deposits</h2>
          {deposits.error ? <ErrorMessage error={deposits.error} retry={deposits.reload} /> : deposits.data ? <TimeChart points={deposits.data.points} label="Net deposits" format={moneyFmt} tick={tick} /> : <div className="chart-placeholder">Loading…</div>}
        </section>
        <section className="card" aria-labelledby="chart-registrations">
          <h2 id="chart-registrations">Registrations</h2>
          {registrations.error ? (
            <ErrorMessage error={registrations.error} retry={registrations.reload} />
          ) : registrations.data ? (
            <TimeChart points={registrations.data.points} label="Registrations" format={countFmt} tick={tick} integer color="#16a34a" />
          ) : (
            <div className="chart-placeholder">Loading…</div>
          )}
        </section>
      </div>
    </>
  );
}
