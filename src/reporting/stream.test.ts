import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

/** Reads server-sent events until one satisfies the predicate. */
async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>, buffer: { text: string }, match: (data: any) => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  const decoder = new TextDecoder();
  for (;;) {
    const frames = buffer.text.split('\n\n');
    buffer.text = frames.pop() ?? '';
    for (const frame of frames) {
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (frame.includes('event: kpis') && data) {
        const parsed = JSON.parse(data.slice(6));
        if (match(parsed)) return parsed;
      }
    }
    if (Date.now() > deadline) throw new Error('no matching event in time');
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended');
    buffer.text += decoder.decode(value, { stream: true });
  }
}

describe('live KPI stream', () => {
  it('pushes an upline\'s changed KPIs after an ingest, with the token in the query string', async () => {
    const master = await b.partner('SSE-M');
    const sub = await b.partner('SSE-S', { parent_id: master });
    await b.customer('sse-c1', 'SSE-S', { signup_date: new Date().toISOString() });
    await t.server.workers?.idle();
    const token = await t.token(['reports:read'], master);
    const controller = new AbortController();
    const res = await fetch(`${t.url}/api/v1/reports/partners/${master}/stream?access_token=${token}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const buffer = { text: '' };
    const first = await nextEvent(reader, buffer, () => true);
    expect(first).toMatchObject({ partner_id: master, subtree: { registrations: 1, deposits: '0.00' } });
    const started = Date.now();
    await b.transactions([{ transaction_id: 'sse-t1', customer_id: 'sse-c1', transaction_type: 'deposit', amount: '75.25', transaction_date: new Date().toISOString() }]);
    const update = await nextEvent(reader, buffer, (d) => d.subtree.deposits === '75.25');
    expect(update).toMatchObject({ own: { deposits: '0.00' }, subtree: { deposits: '75.25', ftd_count: 1 } });
    expect(Date.now() - started).toBeLessThan(3000);
    controller.abort();
    expect(sub).toBeTruthy();
  });

  it('refuses a stream without a token (401) and for a partner outside the caller\'s subtree (404)', async () => {
    const a = await b.partner('SSE-A');
    const other = await b.partner('SSE-B');
    expect((await t.call('GET', `/api/v1/reports/partners/${a}/stream`)).status).toBe(401);
    const token = await t.token(['reports:read'], a);
    expect((await t.call('GET', `/api/v1/reports/partners/${other}/stream?access_token=${token}`)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/reports/partners/${a}/summary?access_token=${token}`)).status).toBe(401);
  });
});
