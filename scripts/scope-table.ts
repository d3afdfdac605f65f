// Writes the route → scope table of docs/security.md from the OpenAPI document.
// node scripts/scope-table.ts          rewrites the table
// node scripts/scope-table.ts --check  exits 1 when the committed table differs
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument, operations } from '../src/http/openapi-document.ts';
import { scopeTable, withScopeTable } from '../src/http/scope-table.ts';

const file = fileURLToPath(new URL('../docs/security.md', import.meta.url));
const current = readFileSync(file, 'utf8');
const next = withScopeTable(current, scopeTable(operations(await openApiDocument())));
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write('docs/security.md: the route → scope table is out of date; run node scripts/scope-table.ts\n');
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(file, next);
  process.stdout.write('docs/security.md: route → scope table updated\n');
}
