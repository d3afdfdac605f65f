import { loadConfig } from '../config.ts';
import { openPlatform } from '../platform.ts';
import { buildApp } from './app.ts';

export interface OpenApiOperation {
  method: string;
  path: string;
  scope: string;
  summary: string;
}

/** Builds the application over an empty in-memory database and answers its OpenAPI document. */
export async function openApiDocument(): Promise<Record<string, any>> {
  const ctx = await openPlatform(loadConfig({ OPENIB_DEMO: '0', OPENIB_DATA_DIR: 'memory://' }));
  try {
    const app = await buildApp(ctx, { logger: false });
    await app.ready();
    const doc = app.swagger() as Record<string, any>;
    await app.close();
    return doc;
  } finally {
    await ctx.db.close();
  }
}

/** Every operation of the document with the scope it requires (`public` for the unauthenticated ones). */
export function operations(doc: Record<string, any>): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths ?? {}))
    for (const [method, op] of Object.entries<Record<string, any>>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      out.push({ method: method.toUpperCase(), path, scope: op['x-required-scope'] ?? (Array.isArray(op.security) && op.security.length === 0 ? 'public' : 'admin'), summary: op.summary ?? '' });
    }
  return out;
}
