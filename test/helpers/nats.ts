import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** The NATS server (with JetStream) the queue-feed tests use. */
export const NATS_URL = process.env.OPENIB_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface ScratchStream {
  nc: NatsConnection;
  stream: string;
  /** Subject prefix of this stream: publish to `${prefix}.<entity>`. */
  prefix: string;
  deadLetterSubject: string;
  drop(): Promise<void>;
}

/** A uniquely named stream for one test, deleted afterwards. Fails loudly when NATS is missing. */
export async function scratchStream(): Promise<ScratchStream> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: NATS_URL, timeout: 5000 });
  } catch (err) {
    throw new Error(
      `NATS is not reachable at ${NATS_URL} (${(err as Error).message}). The queue-feed tests need a NATS server with JetStream: ` +
        'start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server` (.ci/run does this when it is installed), or set OPENIB_TEST_NATS_URL.',
    );
  }
  const id = randomBytes(4).toString('hex');
  const stream = `OPENIB_TEST_${id}`;
  return {
    nc,
    stream,
    prefix: `openibtest.${id}.ingest`,
    deadLetterSubject: `openibtest.${id}.dead`,
    async drop() {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    },
  };
}
