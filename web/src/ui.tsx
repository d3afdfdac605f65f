import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type ErrorDetail } from './api.ts';
import { changeLabel, formatMoney, formatMoneyExact, formatNumber, formatNumberExact, isNegative, kpiFigure, titleCase } from './format.ts';

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  setData: (value: T) => void;
}

/** Runs a loader when its inputs change; the latest answer wins. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(undefined);
    load(ctrl.signal).then(
      (value) => {
        if (ctrl.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (err: Error) => {
        if (ctrl.signal.aborted || err.name === 'AbortError') return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t('common.loading')}
    </div>
  );
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div className="state state-error" role="alert">
      <strong>{error instanceof ApiError && error.status === 403 ? `${t('common.notAllowed')} ` : ''}</strong>
      {message}
      {details.length > 0 && (
        <ul className="error-details">
          {details.slice(0, 20).map((d, i) => (
            <li key={i}>
              {d.index !== undefined ? `#${d.index} ` : ''}
              {d.field ? <code>{d.field}</code> : null} {d.reason}
            </li>
          ))}
        </ul>
      )}
      {retry && (
        <button type="button" className="btn btn-small" onClick={retry}>
          {t('common.tryAgain')}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** Loading, error and empty states around data; `isEmpty` decides when to show the empty message. */
export function DataView<T>({ state, empty, isEmpty, children }: { state: Async<T>; empty?: ReactNode; isEmpty?: (data: T) => boolean; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (state.error && state.data === undefined) return <ErrorMessage error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  return (
    <>
      {state.error && <ErrorMessage error={state.error} retry={state.reload} />}
      {isEmpty?.(state.data) ? <Empty>{empty ?? t('common.nothingYet')}</Empty> : children(state.data)}
    </>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · OpenIB`;
  }, [title]);
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

/** An amount rounded to its currency's minor unit; the exact amount in the title. */
export function Money({ value, currency = 'USD' }: { value: string | number | null | undefined; currency?: string }) {
  return (
    <span className={`num${value !== null && value !== undefined && isNegative(value) ? ' neg' : ''}`} title={formatMoneyExact(value, currency)}>
      {formatMoney(value, currency)}
    </span>
  );
}

export function Num({ value }: { value: string | number | null | undefined }) {
  return (
    <span className="num" title={formatNumberExact(value)}>
      {formatNumber(value)}
    </span>
  );
}

/** A KPI figure on one line ("$424K"), the exact value in its title; `currency` makes it money. */
export function KpiValue({ value, currency }: { value: string | number | null | undefined; currency?: string }) {
  const { text, title } = kpiFigure(value, currency ? { currency } : null);
  return (
    <div className="kpi-value" title={title}>
      {text}
    </div>
  );
}

/** The change of a KPI against the previous period: "+12.5 %", "no change", "new". */
export function KpiChange({ change, suffix }: { change: { previous: string | number; delta: string | number; percent: string | null }; suffix: string }) {
  const { t } = useTranslation();
  const { text, tone } = changeLabel(change);
  return (
    <div className={`kpi-change ${tone}`} data-tone={tone}>
      {tone === 'flat' ? t('dashboard.noChange') : tone === 'new' ? t('dashboard.new') : text} {suffix}
    </div>
  );
}

/** A status word in the reader's language (the portal's `status.*` messages; English words for any other). */
export function useStatusLabel(): (status: string) => string {
  const { t } = useTranslation();
  return (status: string) => t(`status.${status}`, { defaultValue: titleCase(status) });
}

export function Badge({ children, tone }: { children: ReactNode; tone?: string }) {
  const t = tone ?? String(children);
  return <span className={`badge badge-${t.replace(/[^a-z_]/gi, '').toLowerCase()}`}>{children}</span>;
}

/** Field errors from a 422 `details` list, by field path. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError) for (const d of error.details as ErrorDetail[]) if (d.field) out[d.field] = d.reason ?? 'invalid';
  return out;
}

type InputProps = Omit<React.InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
};

export function TextField({ label, value, onChange, error, hint, ...rest }: InputProps) {
  const id = useId();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error || hint ? `${id}-msg` : undefined} {...rest} />
      {(error || hint) && (
        <div id={`${id}-msg`} className={error ? 'field-error' : 'field-hint'}>
          {error ?? hint}
        </div>
      )}
    </div>
  );
}

export function SelectField({ label, value, onChange, options, error }: { label: string; value: string; onChange: (v: string) => void; options: { value: string; label: string }[]; error?: string }) {
  const id = useId();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}

/** A button that runs an async action, shows progress and reports failure beside itself. */
export function ActionButton({ onClick, children, className = 'btn', confirm, disabled, title }: { onClick: () => Promise<unknown>; children: ReactNode; className?: string; confirm?: string; disabled?: boolean; title?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <span className="action">
      <button
        type="button"
        className={className}
        disabled={busy || disabled}
        title={title}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(undefined);
          try {
            await onClick();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? '…' : children}
      </button>
      {error ? (
        <span className="action-error" role="alert">
          {(error as Error).message}
        </span>
      ) : null}
    </span>
  );
}

export function CopyButton({ text, label: given }: { text: string; label?: string }) {
  const { t } = useTranslation();
  const label = given ?? t('common.copy');
  const [copied, setCopied] = useState(false);
  const timer = useRef<number>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          // Clipboard refused (insecure origin or permission): select a hidden textarea and copy the classic way.
          const ta = document.createElement('textarea');
          ta.value = text;
          document.body.appendChild(ta);
          ta.select();
          document.execCommand('copy');
          ta.remove();
        }
        setCopied(true);
        timer.current = window.setTimeout(() => setCopied(false), 1500);
      }}
      aria-label={`${label}: ${text}`}
    >
      {copied ? t('common.copied') : label}
    </button>
  );
}

/** A dialog-like panel (rendered in place, focus moved into it). */
export function Panel({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <section className="panel" aria-label={title} tabIndex={-1} ref={ref} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="panel-head">
        <h2>{title}</h2>
        <button type="button" className="btn btn-ghost" onClick={onClose} aria-label={t('common.closeNamed', { title })}>
          {t('common.close')}
        </button>
      </div>
      {children}
    </section>
  );
}

/**
 * A modal dialog (the native <dialog>, so the page behind is inert): focus moves into it, Tab and Shift+Tab cycle
 * inside it, Escape closes it, and on closing focus returns to what had it before (the button that opened it).
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);
  const trap = (e: React.KeyboardEvent) => {
    if (e.key !== 'Tab') return;
    const focusable = [...ref.current!.querySelectorAll<HTMLElement>('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter(
      (el) => !el.hasAttribute('disabled') && el.offsetParent !== null,
    );
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onKeyDown={trap}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="panel-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="btn btn-ghost" onClick={onClose} aria-label={t('common.closeNamed', { title })}>
          {t('common.close')}
        </button>
      </div>
      {children}
    </dialog>
  );
}

export function Pager({ page, perPage, total, onPage }: { page: number; perPage: number; total: number; onPage: (p: number) => void }) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t('common.pages')}>
      <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('common.previous')}
      </button>
      <span>{t('common.pageOf', { page, pages })}</span>
      <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('common.next')}
      </button>
    </nav>
  );
}

/** A horizontally scrollable table wrapper, so wide tables work at 360 px. */
/** A table column: its heading, or with a class (`r`: right-aligned numbers) or read by screen readers only; false leaves it out. */
export type Column = string | { label: string; className?: string; srOnly?: boolean } | false | undefined;

/** A scrollable, labelled table: the headings from `columns`, the rows as children. */
export function TableWrap({ children, label, columns }: { children: ReactNode; label: string; columns: Column[] }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table>
        <thead>
          <tr>
            {columns.map((c, i) => {
              if (!c) return null;
              const { label: text, className, srOnly } = typeof c === 'string' ? { label: c } : c;
              return (
                <th key={i} className={className}>
                  {srOnly ? <span className="sr-only">{text}</span> : text}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
