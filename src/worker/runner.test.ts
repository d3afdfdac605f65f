import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/index.ts';
import { ManualClock } from './clock.ts';
import { startWorkers, type Task } from './runner.ts';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: 'memory://' });
});
afterAll(() => db.close());

const config = loadConfig({});
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A task with a queue of work items; each round takes one. */
function queueTask(name: string, opts: Partial<Task> = {}) {
  const queue: number[] = [];
  const done: number[] = [];
  const task: Task = {
    name,
    async run() {
      const item = queue.shift();
      if (item === undefined) return false;
      await tick(1);
      done.push(item);
      return true;
    },
    ...opts,
  };
  return { task, queue, done };
}

describe('startWorkers', () => {
  it('runs rounds while a task reports more work, and idle() waits until every task is quiet', async () => {
    const a = queueTask('a', { intervalMs: 60_000 });
    const b = queueTask('b', { intervalMs: 60_000 });
    a.queue.push(1, 2, 3);
    const workers = await startWorkers({ db, config }, [a.task, b.task]);
    b.queue.push(10, 11);
    await workers.idle();
    expect(a.done).toEqual([1, 2, 3]);
    expect(b.done).toEqual([10, 11]);
    await workers.stop();
  });

  it('wakes a task early on a NOTIFY of a channel it listens to', async () => {
    const t = queueTask('notified', { intervalMs: 60_000, wakeOn: ['openib_test'] });
    const workers = await startWorkers({ db, config }, [t.task]);
    await workers.idle();
    t.queue.push(7);
    await tick(50);
    expect(t.done).toEqual([]);
    await db.query(`SELECT pg_notify('openib_test', 'x')`);
    for (let i = 0; i < 100 && t.done.length === 0; i++) await tick(10);
    expect(t.done).toEqual([7]);
    await workers.stop();
  });

  it('with settleMs, gathers the notifications of a burst into one round', async () => {
    let rounds = 0;
    const task: Task = { name: 'settled', intervalMs: 60_000, wakeOn: ['openib_settle'], settleMs: 150, run: async () => (rounds++, false) };
    const workers = await startWorkers({ db, config }, [task]);
    await tick(50);
    const before = rounds;
    for (let i = 0; i < 5; i++) {
      await db.query(`SELECT pg_notify('openib_settle', 'x')`);
      await tick(15);
    }
    await tick(400);
    expect(rounds - before).toBe(1);
    await workers.stop();
  });

  it('gives every round the injected clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const seen: string[] = [];
    const workers = await startWorkers(
      { db, config },
      [
        {
          name: 'clock',
          intervalMs: 60_000,
          async run(ctx) {
            seen.push(ctx.clock.now().toISOString());
            return false;
          },
        },
      ],
      { clock },
    );
    await workers.idle();
    clock.advance(3_600_000);
    await workers.idle();
    expect(seen[0]).toBe('2026-01-01T00:00:00.000Z');
    expect(seen.at(-1)).toBe('2026-01-01T01:00:00.000Z');
    await workers.stop();
  });

  it('keeps going after a round throws', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const log = { info() {}, warn() {}, error: (obj: object) => errors.push(obj) };
    const workers = await startWorkers(
      { db, config },
      [{ name: 'flaky', intervalMs: 5, run: async () => (++calls === 1 ? Promise.reject(new Error('boom')) : calls < 4) }],
      { log },
    );
    for (let i = 0; i < 100 && calls < 4; i++) await tick(10);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(errors).toHaveLength(1);
    await workers.stop();
  });

  it('stops cleanly: the round in progress and background work finish first, then close() runs', async () => {
    const order: string[] = [];
    let release!: () => void;
    const background = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    const task: Task = {
      name: 'slow',
      intervalMs: 60_000,
      async run() {
        if (started) return false;
        started = true;
        order.push('round start');
        await tick(30);
        order.push('round end');
        return false;
      },
      busy: () => true,
      async close() {
        await background;
        order.push('closed');
      },
    };
    const workers = await startWorkers({ db, config }, [task]);
    await tick(5);
    const stopping = workers.stop();
    setTimeout(() => {
      order.push('background done');
      release();
    }, 40);
    await stopping;
    expect(order).toEqual(['round start', 'round end', 'background done', 'closed']);
    await workers.idle(); // resolves at once once stopped
  });
});
