import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('README', () => {
  it('lists every configuration variable the code reads', () => {
    const names = new Set<string>();
    for (const file of sources(join(root, 'src')))
      for (const m of readFileSync(file, 'utf8').matchAll(/\bOPENIB_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(m[0]);
    // Values, not variables: the default stream name.
    names.delete('OPENIB_INGEST');
    const missing = [...names].filter((n) => !readme.includes(`\`${n}\``));
    expect(missing).toEqual([]);
    for (const name of ['PORT', 'HOST', 'DATABASE_URL']) expect(readme).toContain(`\`${name}\``);
  });

  it('starts with the two commands a newcomer runs', () => {
    expect(readme.indexOf('npm ci && npm start')).toBeGreaterThan(0);
    expect(readme.indexOf('npm test')).toBeGreaterThan(readme.indexOf('npm ci && npm start'));
  });
});
