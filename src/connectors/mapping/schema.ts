import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { FieldIssue } from '../../shared/errors.ts';
import { EntitySchema } from '../entities.ts';

/*
 * A mapping document says, in data, how one source's payloads become OpenIB records: which event
 * types map to which entity, and for each OpenIB field where its value comes from.
 */

const Path = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s]+$', description: 'Dot path into the payload, e.g. `data.user.id` or `items.0.id`.' });
const Scalar = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const FieldRuleSchema = Type.Union(
  [
    Path,
    Type.Object(
      {
        path: Type.Optional(Path),
        const: Type.Optional(Scalar),
        template: Type.Optional(Type.String({ maxLength: 500, description: 'Text with `{dot.path}` placeholders, e.g. `dep-{data.id}`.' })),
        map: Type.Optional(
          Type.Record(Type.String({ maxLength: 200 }), Scalar, {
            description: 'Enum map from the source value (as text) to the OpenIB value; a value missing from the map is an error unless `default` is given.',
          }),
        ),
        default: Type.Optional(Scalar),
        date: Type.Optional(
          Type.Union([Type.Literal('iso'), Type.Literal('unix_s'), Type.Literal('unix_ms')], { description: 'How the source writes the time.' }),
        ),
        as: Type.Optional(
          Type.Union([Type.Literal('datetime'), Type.Literal('date'), Type.Literal('string'), Type.Literal('lowercase'), Type.Literal('uppercase')], {
            description: 'Output form: an ISO date-time, a YYYY-MM-DD date (UTC), or text.',
          }),
        ),
        divide: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,17}$', description: 'Divide a number by this (amounts in minor units: "100").' })),
        abs: Type.Optional(Type.Boolean({ description: 'Drop the sign (withdrawals sent as negative amounts).' })),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'A dot path (rename), or a rule object.' },
);
export type FieldRule = Static<typeof FieldRuleSchema>;

export const EventRuleSchema = Type.Object(
  {
    entity: EntitySchema,
    records_path: Type.Optional(Type.String({ maxLength: 200, description: 'When the event carries a list, the path of the list; each item is mapped.' })),
    fields: Type.Record(Type.String({ pattern: '^[a-z_]{1,50}$' }), FieldRuleSchema, { description: 'OpenIB field → where its value comes from.' }),
  },
  { additionalProperties: false },
);
export type EventRule = Static<typeof EventRuleSchema>;

export const MappingSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$', description: 'Unique name; sources and connectors refer to it.', examples: ['example-crm-lifecycle'] }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    event_type_path: Type.Optional(Type.String({ maxLength: 200, description: 'Where the event type is (default `type`).' })),
    event_id_path: Type.Optional(Type.String({ maxLength: 200, description: 'Where the event id is (default `id`); it makes deliveries idempotent.' })),
    events: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), EventRuleSchema, {
      description: 'Event type → entity and fields. For pulled records, the connector names the event to use.',
    }),
    unknown_events: Type.Optional(
      Type.Union([Type.Literal('ignore'), Type.Literal('reject')], { description: 'What to do with an event type the mapping does not list (default ignore).' }),
    ),
  },
  { additionalProperties: false, $id: 'ConnectorMapping' },
);
export type Mapping = Static<typeof MappingSchema>;

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

/** Checks a mapping document; every problem names its field. */
export function mappingIssues(doc: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const e of Value.Errors(MappingSchema, doc)) {
    const field = pointerToField(e.instancePath) || '(document)';
    if (!issues.some((i) => i.field === field)) issues.push({ field, reason: e.message });
    if (issues.length >= 50) break;
  }
  if (issues.length) return issues;
  const mapping = doc as Mapping;
  for (const [type, rule] of Object.entries(mapping.events)) {
    for (const [field, fr] of Object.entries(rule.fields)) {
      if (typeof fr === 'string') continue;
      const sources = [fr.path, fr.const, fr.template].filter((v) => v !== undefined).length;
      if (sources !== 1 && !(sources === 0 && fr.default !== undefined))
        issues.push({ field: `events.${type}.fields.${field}`, reason: 'needs exactly one of path, const or template (or only a default)' });
    }
  }
  return issues;
}
