import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download, enc } from '../api.ts';
import { formatDate, formatDateTime, formatMoneyExact, formatNumber } from '../format.ts';
import { useSession } from '../session.tsx';
import { ActionButton, Badge, ErrorMessage, Loading, PageHeader, TableWrap, useAsync } from '../ui.tsx';
import { type Bundle, type Checkpoint, checkBundle, type PublicKey } from './ledger-check.ts';

/** Checkpoints this browser has seen, kept so a later check can prove the ledger only grew since. */
const storageKey = (partnerId: string) => `openib.ledger-checkpoints.${partnerId}`;

function savedCheckpoints(partnerId: string): Checkpoint[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(storageKey(partnerId)) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as Checkpoint[]) : [];
  } catch {
    return [];
  }
}

function keep(partnerId: string, checkpoints: Checkpoint[]): number {
  const all = new Map(savedCheckpoints(partnerId).map((c) => [`${c.key_id}|${c.signature}`, c]));
  for (const c of checkpoints) all.set(`${c.key_id}|${c.signature}`, { checkpoint_id: c.checkpoint_id, key_id: c.key_id, payload: c.payload, signature: c.signature });
  localStorage.setItem(storageKey(partnerId), JSON.stringify([...all.values()]));
  return all.size;
}

/**
 * The partner checks its own ledger in the browser: the export is hashed record by record and every
 * checkpoint's signature is verified here, against the checkpoints this browser kept (and any the
 * partner imports from statements or its tracker), without trusting the server's answer.
 */
export function Verify() {
  const { t } = useTranslation();
  const { me } = useSession();
  const partnerId = me.user.partner_id ?? '';
  const [imported, setImported] = useState<Checkpoint[]>([]);
  const [importError, setImportError] = useState<string | null>(null);
  const state = useAsync(
    async (signal) => {
      const [bundle, keys] = await Promise.all([
        api.get<Bundle>(`/api/v1/partners/${enc(partnerId)}/ledger/export`, { signal }),
        api.get<{ keys: PublicKey[] }>('/.well-known/openib-ledger-keys.json', { signal }),
      ]);
      const saved = [...savedCheckpoints(partnerId), ...imported];
      const result = await checkBundle(bundle, saved, keys.keys);
      // Only checkpoints of a ledger that verified are kept as the reference for next time.
      const kept = result.ok ? keep(partnerId, [...bundle.checkpoints, ...imported]) : saved.length;
      return { bundle, result, kept, compared: saved.length };
    },
    [partnerId, imported],
  );

  async function importFile(file: File) {
    setImportError(null);
    try {
      const doc = JSON.parse(await file.text()) as unknown;
      const list = Array.isArray(doc) ? doc : ((doc as { data?: unknown; checkpoints?: unknown }).data ?? (doc as { checkpoints?: unknown }).checkpoints);
      if (!Array.isArray(list) || !list.every((c) => typeof c?.payload === 'string' && typeof c?.signature === 'string' && typeof c?.key_id === 'string'))
        throw new Error('no checkpoints');
      setImported(list as Checkpoint[]);
    } catch {
      setImportError(t('verify.noCheckpoints'));
    }
  }

  return (
    <>
      <PageHeader
        title={t('verify.title')}
        subtitle={t('verify.subtitle')}
        actions={
          <ActionButton className="btn" onClick={() => download(`/api/v1/partners/${enc(partnerId)}/ledger/export`, 'openib-ledger.json')}>
            {t('verify.download')}
          </ActionButton>
        }
      />
      <div className="card">
        <label>
          {t('verify.compare')}{' '}
          <input type="file" accept="application/json,.json" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
        </label>
        {importError && <p className="error-details">{importError}</p>}
      </div>
      {state.loading && <Loading label={t('verify.checking')} />}
      {state.error ? <ErrorMessage error={state.error} retry={state.reload} /> : null}
      {state.data && (
        <>
          <div className="card" role="status">
            {state.data.result.ok ? (
              <p>
                <Badge tone="paid">{t('verify.verified')}</Badge>{' '}
                {t('verify.verifiedText', {
                  records: formatNumber(state.data.result.records),
                  checkpoints: formatNumber(state.data.result.checkpoints),
                  compared: formatNumber(state.data.compared),
                  kept: formatNumber(state.data.kept),
                })}
              </p>
            ) : (
              <>
                <p>
                  <Badge tone="failed">{t('verify.failed')}</Badge>{' '}
                  {state.data.result.firstBroken !== null ? t('verify.firstBroken', { number: formatNumber(state.data.result.firstBroken) }) : t('verify.seeFindings')} {t('verify.keepEvidence')}
                </p>
                <ul className="error-details">
                  {state.data.result.findings.map((f, i) => (
                    <li key={i}>{f.message}</li>
                  ))}
                </ul>
              </>
            )}
          </div>
          {state.data.result.statements.length > 0 && (
            <TableWrap
              label={t('verify.statementsChecked')}
              columns={[t('verify.colStatement'), t('verify.colCurrency'), { label: t('verify.colTotal'), className: 'r' }, { label: t('verify.colSum'), className: 'r' }]}
            >
              {state.data.result.statements.map((s, i) => (
                <tr key={`${s.statement_id}-${i}`}>
                  <td className="small">{s.statement_id}</td>
                  <td>{s.currency}</td>
                  <td className="r"><span title={s.ledger_total}>{formatMoneyExact(s.ledger_total, s.currency)}</span></td>
                  <td className="r"><span title={s.sum}>{formatMoneyExact(s.sum, s.currency)}</span></td>
                </tr>
              ))}
            </TableWrap>
          )}
          <h2>{t('verify.reassigned')}</h2>
          {state.data.result.reassignments.length === 0 ? (
            <p className="muted">{t('verify.noneReassigned')}</p>
          ) : (
            <TableWrap label={t('verify.reassignments')} columns={[t('verify.colClient'), t('verify.colTo'), t('verify.colFrom'), t('verify.colReason')]}>
              {state.data.result.reassignments.map((r) => (
                <tr key={r.seq}>
                  <td>{r.customer_id}</td>
                  <td>{r.to}</td>
                  <td>{/^\d{4}-\d{2}-\d{2}$/.test(r.from) ? formatDate(r.from) : formatDateTime(r.from)}</td>
                  <td>{r.reason ?? '—'}</td>
                </tr>
              ))}
            </TableWrap>
          )}
        </>
      )}
    </>
  );
}
