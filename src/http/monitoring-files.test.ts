/**
 * The Prometheus alert rules and the Grafana dashboard in deploy/ parse, and every metric they
 * name is one an OpenIB server exports at /metrics.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

const file = (name: string) => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');
// Exported only by a process with a read replica (OPENIB_READ_DATABASE_URL); src/http/read-routing.test.ts sees it there.
const WITH_REPLICA_ONLY = ['openib_read_replica_lag_bytes'];

let t: TestServer;
let exported: Set<string>;
beforeAll(async () => {
  t = await startTestServer();
  const text = (await t.call('GET', '/metrics')).text as string;
  exported = new Set(WITH_REPLICA_ONLY);
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exported.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_count', '_sum']) exported.add(name + suffix);
  }
});
afterAll(async () => t?.stop());

const metricsIn = (expr: string) => [...expr.matchAll(/\b(openib_[a-z0-9_]+)/g)].map((m) => m[1]);
const balanced = (expr: string) => {
  let depth = 0;
  for (const ch of expr.replace(/"[^"]*"/g, '')) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch) && --depth < 0) return false;
  }
  return depth === 0;
};

describe('deploy/prometheus-alerts.yml', () => {
  it('is a rules file whose every expression names exported metrics only', () => {
    const doc = parse(file('prometheus-alerts.yml')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: { severity?: string } }[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^OpenIB\w+$/);
      expect(balanced(rule.expr), rule.alert).toBe(true);
      expect(rule.for ?? '1m', rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      const names = metricsIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
  });
});

describe('deploy/grafana-dashboard.json', () => {
  it('is a dashboard whose every query names exported metrics only', () => {
    const dashboard = JSON.parse(file('grafana-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels)
      for (const target of panel.targets) {
        expect(balanced(target.expr), panel.title).toBe(true);
        for (const name of metricsIn(target.expr)) expect(exported.has(name), `${panel.title}: ${name}`).toBe(true);
      }
  });
});
