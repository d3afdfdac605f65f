/**
 * npm run bench -- cluster: the cluster of test/cluster.test.ts at a larger size. The same mixed
 * load (customers, deposits, activity, deals in batches; reports; webhooks) runs through HAProxy
 * with one API process behind it (the baseline), then with two; then once more with one API
 * process and one worker killed and restarted half-way, followed by the checks.
 */
import { clusterUnavailable, ClusterClient, ADMIN_CLIENT, startCluster } from '../test/helpers/cluster.ts';
import { findings, type LoadSize, mixedLoad, prepareWorld, settled, type World } from '../test/helpers/cluster-load.ts';
import type { BenchRow, BenchSuite } from './lib.ts';

export const clusterBench: BenchSuite = async ({ quick }) => {
  const missing = clusterUnavailable();
  if (missing) {
    process.stderr.write(`bench: cluster skipped: ${missing}\n`);
    return [];
  }
  const size: LoadSize = quick ? { lanes: 2, batches: 2, customersPerBatch: 20 } : { lanes: 4, batches: 4, customersPerBatch: 150 };
  const cluster = await startCluster({ apis: 2, workers: 2, rateLimitPerMinute: 1_000_000 });
  const rows: BenchRow[] = [];
  // Ctrl-C or a stop still shuts down the servers this suite started and removes their folders.
  const interrupted = (signal: NodeJS.Signals) => {
    // Connections the load still holds break as the servers stop; that is expected now.
    process.on('uncaughtException', () => {});
    void cluster.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const world = await prepareWorld(cluster);
    const through = (url: string): World => ({
      ...world,
      writer: new ClusterClient(url, ADMIN_CLIENT, cluster.adminSecret, 999_000),
      reader: new ClusterClient(url, world.readerId, world.readerSecret, 999_000),
    });
    const say = (line: string) => process.stderr.write(`bench: cluster: ${line}\n`);
    const one = await mixedLoad(through(cluster.singleUrl), size, 'one');
    say(`1 API process: ${one.records} records in ${one.seconds.toFixed(1)} s; waiting for the workers`);
    await settled(cluster.db, 900);
    const two = await mixedLoad(through(cluster.url), size, 'two');
    say(`2 API processes: ${two.records} records in ${two.seconds.toFixed(1)} s; waiting for the workers`);
    await settled(cluster.db, 900);
    const killed = await mixedLoad(world, size, 'kill', async () => {
      await Promise.all([cluster.apis[0].kill(), cluster.workers[0].kill()]);
      await Promise.all([cluster.apis[0].restart(), cluster.workers[0].restart()]);
    });
    say(`with kill -9: ${killed.records} records in ${killed.seconds.toFixed(1)} s; waiting for the workers`);
    const settleStart = performance.now();
    await settled(cluster.db, 900);
    const settleSeconds = (performance.now() - settleStart) / 1000;
    const found = await findings(cluster, killed);
    // Memory of the API process never restarted (it served the two-process runs) beside the one restarted in the last run.
    const rss = async (port?: number) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/^openib_process_resident_memory_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN) / 1024 / 1024;
    };
    const [rssSurvivor, rssRestarted] = [await rss(cluster.apis[1].port), await rss(cluster.apis[0].port)];
    const rate = (r: typeof one) => r.records / r.seconds;
    const requests = (r: typeof one) => r.requests / r.seconds;
    const base = (metric: string, value: number, unit: string) => ({ metric, value, unit });
    rows.push(
      { suite: 'cluster', metric: 'mixed load, records/s, 1 API process', value: rate(one), unit: 'rows/s' },
      { suite: 'cluster', metric: 'mixed load, records/s, 2 API processes', value: rate(two), unit: 'rows/s', baseline: base('1 API process', rate(one), 'rows/s') },
      { suite: 'cluster', metric: 'mixed load, requests/s, 2 API processes', value: requests(two), unit: 'req/s', baseline: base('1 API process', requests(one), 'req/s') },
      { suite: 'cluster', metric: 'records/s with kill -9 of 1 API + 1 worker', value: rate(killed), unit: 'rows/s', baseline: base('2 API processes, no kill', rate(two), 'rows/s') },
      { suite: 'cluster', metric: 'workers settle after the kill run', value: settleSeconds, unit: 's' },
      {
        suite: 'cluster',
        metric: 'acknowledged writes missing',
        value: Object.values(found.missing).reduce((a, b) => a + b, 0),
        unit: 'records',
        goal: '0',
        met: Object.values(found.missing).every((n) => n === 0),
      },
      { suite: 'cluster', metric: 'ledger drift vs full recomputation', value: found.ledgerDrift?.entries ?? -1, unit: 'entries', goal: '0', met: found.ledgerDrift?.entries === 0 && found.ledgerDrift.reversed === 0 },
      { suite: 'cluster', metric: 'webhooks lost', value: found.webhooks.delivered - found.webhooks.distinct, unit: 'messages', goal: '0', met: found.webhooks.delivered === found.webhooks.distinct },
      { suite: 'cluster', metric: 'webhook ids shared by two messages', value: found.webhooks.conflicting, unit: 'ids', goal: '0', met: found.webhooks.conflicting === 0 },
      {
        suite: 'cluster',
        metric: 'webhook ids sent twice (killed worker\'s unrecorded batch)',
        value: found.webhooks.repeated,
        unit: 'ids',
        goal: '≤ 10 (one batch)',
        met: found.webhooks.repeated <= 10,
      },
      { suite: 'cluster', metric: 'RSS of the API process never restarted', value: rssSurvivor, unit: 'MB', baseline: base('API process restarted in the last run', rssRestarted, 'MB') },
      {
        suite: 'cluster',
        metric: 'reports read from the replica',
        value: (100 * (killed.reportPools.replica ?? 0)) / Object.values(killed.reportPools).reduce((a, b) => a + b, 0),
        unit: '%',
      },
    );
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cluster.stop();
  }
  return rows;
};
