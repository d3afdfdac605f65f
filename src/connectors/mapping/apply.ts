import { parseDateTime } from '../../shared/dates.ts';
import { Dec } from '../../shared/decimal.ts';
import type { FieldIssue } from '../../shared/errors.ts';
import type { EntityName } from '../entities.ts';
import type { EventRule, FieldRule, Mapping } from './schema.ts';

/** The value at a dot path (`data.user.id`, `items.0.amount`); undefined when any step is missing. */
export function getPath(payload: unknown, path: string): unknown {
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function render(template: string, payload: unknown): string | undefined {
  let missing = false;
  const text = template.replace(/\{([^{}\s]+)\}/g, (_, path: string) => {
    const v = getPath(payload, path);
    if (v === undefined || v === null || typeof v === 'object') missing = true;
    return missing ? '' : String(v);
  });
  return missing ? undefined : text;
}

function toTime(value: unknown, from: 'iso' | 'unix_s' | 'unix_ms'): { value: string } | { reason: string } {
  if (from === 'iso') return parseDateTime(value);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return { reason: `must be a unix time in ${from === 'unix_s' ? 'seconds' : 'milliseconds'}` };
  const date = new Date(from === 'unix_s' ? n * 1000 : n);
  if (Number.isNaN(date.getTime())) return { reason: 'is not a valid time' };
  return { value: date.toISOString() };
}

/** Applies one field rule; undefined means "leave the field out". */
export function mapField(rule: FieldRule, payload: unknown): { value: unknown } | { reason: string } {
  if (typeof rule === 'string') return { value: getPath(payload, rule) ?? undefined };
  let value: unknown = rule.path !== undefined ? getPath(payload, rule.path) : rule.const !== undefined ? rule.const : rule.template !== undefined ? render(rule.template, payload) : undefined;
  if (value === null || value === '') value = undefined;
  if (rule.map && value !== undefined) {
    const key = String(value);
    if (Object.hasOwn(rule.map, key)) value = rule.map[key];
    else if (rule.default !== undefined) value = rule.default;
    else return { reason: `has the value "${key.slice(0, 100)}", which the mapping's enum map does not list` };
  }
  if (value === undefined || value === null) return { value: rule.default ?? undefined };
  if (rule.date) {
    const t = toTime(value, rule.date);
    if ('reason' in t) return t;
    value = t.value;
  }
  if (rule.divide !== undefined || rule.abs) {
    let d: Dec;
    try {
      d = new Dec(typeof value === 'number' || typeof value === 'string' ? value : Number.NaN);
      if (!d.isFinite()) throw new Error();
    } catch {
      return { reason: 'must be a number' };
    }
    if (rule.divide !== undefined) d = d.div(rule.divide);
    if (rule.abs) d = d.abs();
    value = d.toFixed();
  }
  switch (rule.as) {
    case 'datetime':
    case 'date': {
      const t = typeof value === 'string' && !rule.date ? parseDateTime(value) : { value: String(value) };
      if ('reason' in t) return t;
      value = rule.as === 'date' ? t.value.slice(0, 10) : t.value;
      break;
    }
    case 'string':
      value = String(value);
      break;
    case 'lowercase':
      value = String(value).toLowerCase();
      break;
    case 'uppercase':
      value = String(value).toUpperCase();
      break;
  }
  return { value };
}

/** Maps one source record by the event rule's fields; issues name `fields.<openib field>`. */
export function mapRecord(rule: Pick<EventRule, 'fields'>, payload: unknown, index?: number): { record: Record<string, unknown>; issues: FieldIssue[] } {
  const record: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [field, fr] of Object.entries(rule.fields)) {
    const out = mapField(fr, payload);
    if ('reason' in out) issues.push({ ...(index !== undefined ? { index } : {}), field, reason: `(from the source) ${out.reason}` });
    else if (out.value !== undefined) record[field] = out.value;
  }
  return { record, issues };
}

export type MappedEvent =
  | { status: 'mapped'; type: string; id?: string; entity: EntityName; records: Record<string, unknown>[]; issues: FieldIssue[] }
  | { status: 'ignored'; type: string; id?: string }
  | { status: 'unknown'; type: string; id?: string };

/** Reads an event's type and id and maps its record(s) with the rule for that type. */
export function mapEvent(mapping: Mapping, payload: unknown): MappedEvent {
  const rawType = getPath(payload, mapping.event_type_path ?? 'type');
  const rawId = getPath(payload, mapping.event_id_path ?? 'id');
  const type = typeof rawType === 'string' || typeof rawType === 'number' ? String(rawType) : '';
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  const rule = Object.hasOwn(mapping.events, type) ? mapping.events[type] : undefined;
  if (!rule) return { status: (mapping.unknown_events ?? 'ignore') === 'ignore' ? 'ignored' : 'unknown', type, id };
  const items = rule.records_path ? getPath(payload, rule.records_path) : [payload];
  if (!Array.isArray(items))
    return { status: 'mapped', type, id, entity: rule.entity, records: [], issues: [{ field: rule.records_path ?? '(event)', reason: 'must be a list of records' }] };
  const records: Record<string, unknown>[] = [];
  const issues: FieldIssue[] = [];
  items.forEach((item, index) => {
    // Inside a list, paths are read from the item first and then from the whole event.
    const scope = rule.records_path ? { ...(payload as object), ...(typeof item === 'object' && item ? item : {}) } : item;
    const out = mapRecord(rule, scope, rule.records_path ? index : undefined);
    records.push(out.record);
    issues.push(...out.issues);
  });
  return { status: 'mapped', type, id, entity: rule.entity, records, issues };
}
