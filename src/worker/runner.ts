import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import { type Clock, systemClock } from './clock.ts';
import { type Logger, silentLogger } from './log.ts';

/** What a task sees on every round. */
export interface WorkerContext {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  /** Aborted when the workers are stopping: start nothing new. */
  signal: AbortSignal;
  /** Asks for another round of this task as soon as the current one ends. */
  wake(): void;
}

/**
 * A unit of background work that any number of processes may run side by side: all state lives in
 * the database, so a round must claim what it works on (FOR UPDATE SKIP LOCKED) and be safe to repeat.
 */
export interface Task {
  name: string;
  /** One round of work. Resolve true when there may be more to do at once, false to wait for the interval. */
  run(ctx: WorkerContext): Promise<boolean>;
  /** Milliseconds between idle rounds; the runner's interval when absent. */
  intervalMs?: number;
  /** NOTIFY channels whose notifications start a round early. */
  wakeOn?: readonly string[];
  /**
   * Milliseconds to wait after a wake-up before the round starts, so a burst of commits (an ingest
   * stream: one NOTIFY per batch) is handled in one round instead of one round per batch.
   */
  settleMs?: number;
  /** True while work the task started is still running in the background; idle() waits for it. */
  busy?(): boolean;
  /** Waits for work the task left running in the background; called once when stopping, after its last round. */
  close?(): Promise<void>;
}

export interface Workers {
  /** Starts a round of every task now (or right after the current one). */
  wake(): void;
  /**
   * Resolves once every task has finished a round that began after the call and found nothing to do,
   * with no task doing any work in between: the system is quiet. For tests and one-shot commands.
   */
  idle(): Promise<void>;
  /** Stops starting rounds, lets the running ones finish, then closes every task. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  clock?: Clock;
  log?: Logger;
  /** Default milliseconds between idle rounds (1000). */
  intervalMs?: number;
}

interface Waiter {
  after: number;
  resolve: () => void;
}

/** Runs each task in its own loop until stopped. */
export async function startWorkers(
  base: { db: Database; config: Config },
  tasks: readonly Task[],
  opts: WorkerOptions = {},
): Promise<Workers> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const stopping = new AbortController();
  let busyRounds = 0;

  const loops = tasks.map((task) => {
    let rounds = 0;
    let wakeRequested = false;
    let interrupt: (() => void) | undefined;
    const waiters: Waiter[] = [];
    const wake = () => {
      wakeRequested = true;
      interrupt?.();
    };
    const ctx: WorkerContext = { db: base.db, config: base.config, clock, log, signal: stopping.signal, wake };
    /** Resolves true when woken early. */
    const sleep = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), ms);
        function done(woken: boolean) {
          clearTimeout(timer);
          interrupt = undefined;
          resolve(woken);
        }
        interrupt = () => done(true);
      });
    const settle = () => (task.settleMs && !stopping.signal.aborted ? new Promise((r) => setTimeout(r, task.settleMs)) : undefined);

    async function loop() {
      while (!stopping.signal.aborted) {
        const round = ++rounds;
        wakeRequested = false;
        let more = false;
        try {
          more = await task.run(ctx);
        } catch (err) {
          log.error({ err, task: task.name }, 'background task failed; retrying after its interval');
        }
        if (more) busyRounds++;
        else if (!task.busy?.()) {
          for (const w of waiters.splice(0)) {
            if (w.after < round) w.resolve();
            else waiters.push(w);
          }
        }
        if (stopping.signal.aborted) break;
        if (more) await new Promise((r) => setImmediate(r));
        else if (wakeRequested) await (settle() ?? new Promise((r) => setImmediate(r)));
        else if (await sleep(task.intervalMs ?? opts.intervalMs ?? 1000)) await settle();
      }
      for (const w of waiters.splice(0)) w.resolve();
    }

    const waitIdle = () =>
      new Promise<void>((resolve) => {
        if (stopping.signal.aborted) return resolve();
        waiters.push({ after: rounds, resolve });
        wake();
      });
    return { task, wake, waitIdle, done: loop() };
  });

  const unlisten: (() => Promise<void>)[] = [];
  const channels = new Set(tasks.flatMap((t) => t.wakeOn ?? []));
  for (const channel of channels) {
    const listeners = loops.filter((l) => l.task.wakeOn?.includes(channel));
    unlisten.push(
      await base.db.listen(channel, () => {
        for (const l of listeners) l.wake();
      }),
    );
  }

  let stopped: Promise<void> | undefined;
  return {
    wake() {
      for (const l of loops) l.wake();
    },
    async idle() {
      let before: number;
      do {
        before = busyRounds;
        await Promise.all(loops.map((l) => l.waitIdle()));
      } while (busyRounds !== before && !stopping.signal.aborted);
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        for (const l of loops) l.wake();
        await Promise.all(unlisten.map((u) => u().catch(() => {})));
        await Promise.all(loops.map((l) => l.done));
        for (const { task } of loops) {
          try {
            await task.close?.();
          } catch (err) {
            log.error({ err, task: task.name }, 'background task did not close cleanly');
          }
        }
      })();
      return stopped;
    },
  };
}
