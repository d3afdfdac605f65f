import type { ErrorObject, Plugin, ValidateFunction } from 'ajv';

type Ajv = Parameters<Plugin<unknown>>[0];

/**
 * Ajv plugin: a value that validated as a number must be finite.
 *
 * Ajv coerces a query or path string such as `1e400` to Infinity, accepts Infinity as an integer, and then
 * skips minimum/maximum for it (those checks only run on finite numbers), so `?page=1e400` passed every
 * schema and reached SQL. JSON has no Infinity either (`1e400` in a body parses to it), so after a schema
 * accepted a value, any non-finite number left in it (coerced or parsed) is refused as a validation issue.
 */
export function finiteNumbers(ajv: Ajv): Ajv {
  const compile = ajv.compile.bind(ajv);
  ajv.compile = ((schema: unknown, meta?: boolean) => {
    const validate = compile(schema as never, meta) as ValidateFunction;
    const checked = function (this: unknown, data: unknown, ctx?: unknown) {
      const ok = (validate as (this: unknown, d: unknown, c?: unknown) => boolean).call(this, data, ctx);
      checked.errors = validate.errors;
      if (!ok) return false;
      const issues: ErrorObject[] = [];
      findNonFinite(data, '', issues);
      if (issues.length === 0) return true;
      checked.errors = issues;
      return false;
    } as ValidateFunction;
    // Fastify passes the parent (so Ajv can coerce a root value) only to functions that carry schemaEnv.
    return Object.assign(checked, { schema: validate.schema, schemaEnv: validate.schemaEnv, errors: null });
  }) as Ajv['compile'];
  return ajv;
}

function findNonFinite(value: unknown, path: string, out: ErrorObject[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      out.push({ instancePath: path, schemaPath: '#/finite', keyword: 'finite', params: {}, message: 'must be a finite number within the documented range' });
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) findNonFinite(value[i], `${path}/${i}`, out);
    return;
  }
  for (const key of Object.keys(value)) findNonFinite((value as Record<string, unknown>)[key], `${path}/${key}`, out);
}
