import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  { metric: 'clicks', label: 'dashboard.kpi.clicks' },
  { metric: 'registrations', label: 'dashboard.kpi.registrations' },
  { metric: 'ftd_count', label: 'dashboard.kpi.ftd_count' },
  { metric: 'net_deposits', label: 'dashboard.kpi.net_deposits', money: true },
  { metric: 'lots', label: 'dashboard.kpi.lots' },
  { metric: 'commission_approved', label: 'dashboard.kpi.commission_approved', money: true },
  { metric: 'commission_pending', label: 'dashboard.kpi.commission_pending', money: true },
  { metric: 'commission_paid', label: 'dashboard.kpi.commission_paid', money: true },
];

const RANGES = [7, 30, 90];

export function Dashboard() {
  const { t, i18n } = useTranslation();
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

  // The formatters follow the portal's language (format.ts has its locale; the dependency redraws the charts).
  const lang = i18n.language;
  const moneyFmt = useMemo(() => (v: string | number) => formatMoney(v, 'USD'), [lang]);
  const countFmt = useMemo(() => (v: string | number) => formatNumber(v), [lang]);
  // Axis ticks: compact and without the currency symbol, so they fit the axis (the legend shows the amount).
  const tick = useMemo(() => (v: string | number) => formatNumberCompact(String(v)), [lang]);

  return (
    <>
      <PageHeader
        title={t('dashboard.title')}
        subtitle={t('common.brokerTime', { range: formatPeriod(from, to), zone: tz })}
        actions={
          <div className="toolbar">
            <div className="segmented" role="group" aria-label={t('dashboard.period')}>
              {RANGES.map((r) => (
                <button key={r} type="button" className={`btn btn-small${days === r ? ' selected' : ''}`} aria-pressed={days === r} onClick={() => setDays(r)}>
                  {t('dashboard.days', { days: r })}
                </button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label={t('dashboard.whose')}>
              <button type="button" className={`btn btn-small${scope === 'subtree' ? ' selected' : ''}`} aria-pressed={scope === 'subtree'} onClick={() => setScope('subtree')}>
                {t('dashboard.withTeam')}
              </button>
              <button type="button" className={`btn btn-small${scope === 'own' ? ' selected' : ''}`} aria-pressed={scope === 'own'} onClick={() => setScope('own')}>
                {t('dashboard.ownOnly')}
              </button>
            </div>
          </div>
        }
      />
      {me.user.partner_status === 'pending' && (
        <p className="notice" role="status">
          {t('dashboard.pending')}
        </p>
      )}
      <p className={`live live-${streamState}`} aria-live="polite">
        <span className="dot" aria-hidden="true" />
        {streamState === 'live' ? (live ? t('dashboard.liveUpdated', { at: formatDateTime(live.at) }) : t('dashboard.live')) : streamState === 'connecting' ? t('dashboard.connecting') : t('dashboard.reconnecting')}
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
                    <div className="kpi-label">{t(c.label)}</div>
                    <KpiValue value={values[c.metric]} currency={c.money ? s.currency : undefined} />
                    {scope === 'subtree' && change && <KpiChange change={change} suffix={t('dashboard.vsPrevious', { days })} />}
                  </div>
                );
              })}
            </div>
          );
        }}
      </DataView>
      <div className="grid-2">
        <section className="card" aria-labelledby="chart-deposits">
          <h2 id="chart-deposits">{t('dashboard.netDeposits')}</h2>
          {deposits.error ? <ErrorMessage error={deposits.error} retry={deposits.reload} /> : deposits.data ? <TimeChart points={deposits.data.points} label={t('dashboard.netDeposits')} format={moneyFmt} tick={tick} /> : <div className="chart-placeholder">{t('common.loading')}</div>}
        </section>
        <section className="card" aria-labelledby="chart-registrations">
          <h2 id="chart-registrations">{t('dashboard.registrations')}</h2>
          {registrations.error ? (
            <ErrorMessage error={registrations.error} retry={registrations.reload} />
          ) : registrations.data ? (
            <TimeChart points={registrations.data.points} label={t('dashboard.registrations')} format={countFmt} tick={tick} integer color="#16a34a" />
          ) : (
            <div className="chart-placeholder">{t('common.loading')}</div>
          )}
        </section>
      </div>
    </>
  );
}
