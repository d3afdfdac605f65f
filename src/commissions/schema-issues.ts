import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { DECIMAL_PATTERN } from './plan-schema.ts';

export interface PlanIssue {
  field: string;
  reason: string;
}

/** `/rules/5/tiers/1/from_lots` → `rules[5].tiers[1].from_lots`, the form people read in error lists. */
export function fieldPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  }
  return path;
}

function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const raw of schemaPath.replace(/^#/, '').split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

const DECIMAL_REASON = 'must be a decimal string such as "6" or "1.50" (not a JSON number, no exponent)';

/**
 * Schema errors as `{field, reason}` with sentences a broker can act on. Callers check unions
 * branch by branch (by `type` or `mode`) so the answer names the real mistake instead of
 * "must match a schema in anyOf".
 */
export function schemaIssues(schema: TSchema, value: unknown, base = ''): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const e of Value.Errors(schema, value)) {
    const field = fieldPath(base, e.instancePath);
    const target = schemaAt(schema, e.schemaPath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        for (const name of params.requiredProperties as string[]) issues.push({ field: fieldPath(field, `/${name}`), reason: 'is required' });
        break;
      case 'boolean':
        issues.push({ field, reason: 'is not a known field; check the spelling' });
        break;
      case 'additionalProperties':
        break; // reported per property by the 'boolean' error above
      case 'pattern':
      case 'type':
        issues.push({ field, reason: target?.pattern === DECIMAL_PATTERN ? DECIMAL_REASON : e.message });
        break;
      case 'enum':
        issues.push({ field, reason: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` });
        break;
      case 'const':
        issues.push({ field, reason: `must be ${JSON.stringify(params.allowedValue)}` });
        break;
      default:
        issues.push({ field, reason: e.message });
    }
  }
  return issues;
}
