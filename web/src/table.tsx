/**
 * The one table every list uses: sort by a column (click its heading), a text filter over what the table shows, and
 * a CSV export of exactly the rows on screen, in that order. Sorting, filtering and export use each column's `value`
 * (the exact figure: a decimal string for money, an ISO date), never the formatted text, so a CSV has `1234.5678` where
 * the page shows "$1,234.57". Below 640 px each row becomes a card of label/value pairs, so no column (and no action
 * button) is ever pushed off-screen.
 */
import {
  type ColumnDef,
  type FilterFn,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  type SortingFn,
  type SortingState,
  useReactTable,
} from '@tanstack/react-table';
import { stringify } from 'csv-stringify/browser/esm/sync';
import Decimal from 'decimal.js';
import { type ReactNode, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from './format.ts';

/** A cell's exact value: what sorting, filtering and the CSV use. */
export type CellValue = string | number | boolean | null | undefined;

export interface Column<T> {
  /** Stable id: the CSV heading (so exports do not change with the reader's language) and the sort key. */
  id: string;
  /** The heading shown. */
  header: string;
  /** What the cell shows; defaults to the value as text. */
  cell?: (row: T) => ReactNode;
  /** The exact value behind the cell (decimal string for money). Columns without one are not sortable nor exported. */
  value?: (row: T) => CellValue;
  /** How values compare: decimal strings exactly, numbers, or text (ISO dates sort as text). Defaults to text. */
  sort?: 'decimal' | 'number' | 'text' | false;
  /** `r`: right-aligned figures. */
  className?: string;
  /** Heading read by screen readers only (action columns). */
  srOnly?: boolean;
  /** Left out of the CSV (action buttons, previews). */
  noExport?: boolean;
  /** Not shown, but exported and searched by the filter (an id shown inside another cell, say). */
  hidden?: boolean;
  /** Names the cell for tests and styles (data-col). */
  dataCol?: string;
}

const asText = (v: CellValue) => (v === null || v === undefined ? '' : String(v));

/** Decimal strings compare exactly (no float); blanks sort last either way. */
function compareValues(kind: Column<unknown>['sort'], a: CellValue, b: CellValue): number {
  const blankA = a === null || a === undefined || a === '';
  const blankB = b === null || b === undefined || b === '';
  if (blankA || blankB) return blankA === blankB ? 0 : blankA ? 1 : -1;
  if (kind === 'decimal') {
    try {
      return new Decimal(String(a)).cmp(new Decimal(String(b)));
    } catch {
      /* not a decimal: fall through to text */
    }
  }
  if (kind === 'number') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

/** The CSV of rows as shown: one heading line of column ids, exact values, RFC 4180 quoting. */
export function tableCsv<T>(columns: Column<T>[], rows: T[]): string {
  const exported = columns.filter((c) => c.value && !c.noExport);
  return stringify([exported.map((c) => c.id), ...rows.map((r) => exported.map((c) => asText(c.value!(r))))], { record_delimiter: '\r\n' });
}

function saveFile(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  filename,
  toolbar,
  filter = true,
  rowData,
}: {
  /** The table's accessible name (also names the filter and the export). */
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** The CSV file's name, without `.csv`; no export button without it. */
  filename?: string;
  /** More controls beside the filter. */
  toolbar?: ReactNode;
  filter?: boolean;
  /** data-* attributes of a row (`{ partner: id }` → data-partner), for tests and styles. */
  rowData?: (row: T) => Record<string, string>;
}) {
  const { t } = useTranslation();
  const filterId = useId();
  const [sorting, setSorting] = useState<SortingState>([]);
  const [query, setQuery] = useState('');

  const defs = useMemo<ColumnDef<T>[]>(
    () =>
      columns.map((c) => {
        const sortingFn: SortingFn<T> = (a, b, id) => compareValues(c.sort, a.getValue(id) as CellValue, b.getValue(id) as CellValue);
        return {
          id: c.id,
          header: c.header,
          accessorFn: (row: T) => (c.value ? c.value(row) : undefined),
          cell: (ctx) => (c.cell ? c.cell(ctx.row.original) : asText(ctx.getValue() as CellValue)),
          enableSorting: Boolean(c.value) && c.sort !== false,
          enableGlobalFilter: Boolean(c.value),
          sortingFn,
          sortUndefined: 'last',
        } satisfies ColumnDef<T>;
      }),
    [columns],
  );
  const contains: FilterFn<T> = (row, id, needle: string) => asText(row.getValue(id) as CellValue).toLowerCase().includes(needle.toLowerCase());
  const table = useReactTable({
    data: rows,
    columns: defs,
    state: { sorting, globalFilter: query, columnVisibility: Object.fromEntries(columns.filter((c) => c.hidden).map((c) => [c.id, false])) },
    onSortingChange: setSorting,
    onGlobalFilterChange: setQuery,
    globalFilterFn: contains,
    getColumnCanGlobalFilter: () => true,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });
  const shown = table.getRowModel().rows;
  const byId = new Map(columns.map((c) => [c.id, c]));

  return (
    <div className="data-table">
      {(filter || filename || toolbar) && (
        <div className="table-tools">
          {filter && (
            <div className="field table-filter">
              <label htmlFor={filterId}>{t('table.filter')}</label>
              <input id={filterId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} aria-describedby={`${filterId}-count`} />
            </div>
          )}
          <div className="field table-sort">
            <label htmlFor={`${filterId}-sort`}>{t('table.sort')}</label>
            <select
              id={`${filterId}-sort`}
              value={sorting[0] ? `${sorting[0].id}:${sorting[0].desc ? 'desc' : 'asc'}` : ''}
              onChange={(e) => {
                const [id, dir] = e.target.value.split(':');
                setSorting(id ? [{ id: id!, desc: dir === 'desc' }] : []);
              }}
            >
              <option value="">{t('table.unsorted')}</option>
              {columns
                .filter((c) => c.value && c.sort !== false && !c.hidden)
                .flatMap((c) => [
                  <option key={`${c.id}:asc`} value={`${c.id}:asc`}>
                    {t('table.ascending', { column: c.header })}
                  </option>,
                  <option key={`${c.id}:desc`} value={`${c.id}:desc`}>
                    {t('table.descending', { column: c.header })}
                  </option>,
                ])}
            </select>
          </div>
          {toolbar}
          {filename && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => saveFile(`${filename}.csv`, tableCsv(columns, shown.map((r) => r.original)))}
              aria-label={t('table.exportNamed', { label })}
            >
              {t('table.export')}
            </button>
          )}
          <span id={`${filterId}-count`} className="small muted" role="status">
            {shown.length === rows.length ? t('table.rows', { count: formatNumber(rows.length) }) : t('table.rowsOf', { shown: formatNumber(shown.length), total: formatNumber(rows.length) })}
          </span>
        </div>
      )}
      <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
        <table className="cards-on-phone">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((h) => {
                  const c = byId.get(h.column.id)!;
                  const sorted = h.column.getIsSorted();
                  const text = c.srOnly ? <span className="sr-only">{c.header}</span> : c.header;
                  return (
                    <th key={h.id} className={c.className} aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined} scope="col">
                      {h.column.getCanSort() ? (
                        <button type="button" className="sort-button" onClick={() => setSorting((now) => [{ id: c.id, desc: now[0]?.id === c.id && !now[0].desc }])} title={t('table.sortBy', { column: c.header })}>
                          {text}
                          <span aria-hidden="true" className="sort-mark">
                            {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ' ↕'}
                          </span>
                        </button>
                      ) : (
                        text
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {shown.length === 0 ? (
              <tr>
                <td colSpan={columns.filter((c) => !c.hidden).length} className="muted">
                  {t('table.noMatch')}
                </td>
              </tr>
            ) : (
              shown.map((row) => (
                <tr key={rowKey(row.original)} {...Object.fromEntries(Object.entries(rowData?.(row.original) ?? {}).map(([k, v]) => [`data-${k}`, v]))}>
                  {row.getVisibleCells().map((cell) => {
                    const c = byId.get(cell.column.id)!;
                    return (
                      <td key={cell.id} className={c.className} data-label={c.srOnly ? undefined : c.header} data-col={c.dataCol}>
                        {/* Called, not rendered as a component: a component made anew each render would remount the cell (and lose focus). */}
                        {c.cell ? c.cell(row.original) : asText(cell.getValue() as CellValue)}
                      </td>
                    );
                  })}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
