/**
 * OpenIB as a small cluster on this machine: HAProxy in front of two API processes, two worker
 * processes, a PostgreSQL primary with a streaming replica, a webhook receiver, all on 127.0.0.1.
 * A mixed load runs through the load balancer; half-way one API process and one worker are killed
 * with SIGKILL and started again. Afterwards: every acknowledged write is stored, the ledger equals
 * a whole recomputation, every webhook arrived and no two messages shared an id (an id repeats only
 * for the batch the killed worker had sent but not recorded), the per-token limit held across both API
 * processes and the reports were read from the replica. `npm run bench -- cluster` runs it larger.
 */
import { describe, expect, it } from 'vitest';
import { clusterUnavailable, startCluster } from './helpers/cluster.ts';
import { findings, limitProbe, mixedLoad, prepareWorld, settled } from './helpers/cluster-load.ts';
import { TEST_BACKEND } from './helpers/database.ts';

const missing = clusterUnavailable();
if (TEST_BACKEND === 'postgres' && missing) console.warn(`cluster test skipped: ${missing}`);

describe.skipIf(TEST_BACKEND !== 'postgres' || Boolean(missing))('a cluster: load balancer, two API and two worker processes, primary and replica', () => {
  it('loses no acknowledged write and no ledger cent when an API process and a worker are killed mid-load', { timeout: 110_000 }, async () => {
    const cluster = await startCluster({ apis: 2, workers: 2, rateLimitPerMinute: 300 });
    try {
      const world = await prepareWorld(cluster);
      const load = await mixedLoad(world, { lanes: 3, batches: 4, customersPerBatch: 30 }, 'ci', async () => {
        await Promise.all([cluster.apis[0].kill(), cluster.workers[0].kill()]);
        await Promise.all([cluster.apis[0].restart(), cluster.workers[0].restart()]);
      });
      await settled(cluster.db, 75);
      const found = await findings(cluster, load);
      console.info(
        `cluster: ${load.requests} requests (${load.records} records) in ${load.seconds.toFixed(1)} s through HAProxy, ` +
          `${found.ledgerEntries} ledger entries, ${found.webhooks.delivered} webhooks (${found.webhooks.repeated} sent twice), report pools ${JSON.stringify(load.reportPools)}`,
      );
      expect(found.missing).toEqual({ customers: 0, transactions: 0, deals: 0, activity: 0 });
      expect(found.ledgerEntries).toBeGreaterThan(0);
      expect(found.ledgerDrift).toEqual({ entries: 0, reversed: 0, released: 0, sample: [] });
      // Every message arrived, no two messages shared an id, and an id came twice only when the
      // killed worker had sent its batch but not recorded it (at most one batch, docs/webhooks.md).
      expect(found.webhooks.received).toBeGreaterThan(0);
      expect(found.webhooks.distinct).toBe(found.webhooks.delivered);
      expect(found.webhooks.conflicting).toBe(0);
      expect(found.webhooks.repeated).toBeLessThanOrEqual(10);
      expect(found.webhooks.received - found.webhooks.distinct).toBe(found.webhooks.repeated);
      // The dashboard client never writes: its reports come from the replica.
      expect(load.reportPools.replica).toBeGreaterThan(0);
      expect(load.reportPools.replica).toBeGreaterThanOrEqual(load.requests > 0 ? Object.values(load.reportPools).reduce((a, b) => a + b, 0) * 0.9 : 0);

      const probe = await limitProbe(cluster, world);
      expect(probe).toEqual({ allowed: cluster.rateLimitPerMinute, refused: 20 });
      // Both API processes took part in counting it.
      for (const api of cluster.apis) {
        const metrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
        expect(metrics).toMatch(/openib_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/fx-rates",status="429"\} [1-9]/);
      }
    } finally {
      await cluster.stop();
    }
  });
});
