import { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { DETAILS, PNG, uploadDocument } from '../test-support.ts';

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server on a free port that keeps what it receives; it refuses the first message it is sent (451). */
async function startSmtp(): Promise<{ port: number; received: Received[]; refused: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let refusals = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusals === 0) {
          refusals++;
          const err = Object.assign(new Error('Try again later'), { responseCode: 451 });
          return callback(err);
        }
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, refused: () => refusals, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The decoded text of a received message (nodemailer sends UTF-8 bodies quoted-printable or base64). */
function decoded(raw: string): { subject: string; body: string; headers: string } {
  const [headers, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  const subjectLine = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(headers)?.[1] ?? '';
  const subject = subjectLine
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    )
    .trim();
  const text = /Content-Transfer-Encoding: base64/i.test(headers)
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : /quoted-printable/i.test(headers)
      ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
      : body;
  return { subject, body: text, headers };
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let t: TestServer;
let admin: string;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestServer({ OPENIB_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, OPENIB_EMAIL_RETRY_SCHEDULE: '0,0,0', OPENIB_EMAIL_FROM: 'Broker Partners <partners@broker.example>' });
  admin = await t.token(['admin']);
});
afterAll(async () => {
  await t.stop();
  await smtp.close();
});

async function partnerIn(language: string, email: string) {
  const id = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: `IB ${language}`, email } })).body.partner_id;
  const token = await t.token(['partners:read', 'partners:write'], id);
  expect((await t.call('PATCH', `/api/v1/partners/${id}/compliance`, { token, body: { language } })).status).toBe(200);
  expect((await t.call('PUT', `/api/v1/partners/${id}/verification`, { token, body: { ...DETAILS, entity_type: 'individual', registration_number: undefined } })).status).toBe(200);
  expect((await uploadDocument(t, token, id, { bytes: PNG, type: 'image/png' })).status).toBe(201);
  return { id, token };
}

const submit = (id: string, token: string) => t.call('POST', `/api/v1/partners/${id}/verification/submit`, { token });
const review = (id: string, action: string, reason?: string) => t.call('POST', `/api/v1/partners/${id}/verification/review`, { token: admin, body: { action, reason } });

describe('partner emails over SMTP', () => {
  it('are sent in the partner\'s language with an unsubscribe link, retried after the server refused once', async () => {
    const es = await partnerIn('es', 'socio@example.es');
    expect((await submit(es.id, es.token)).status).toBe(200);
    // The request answers at once: the email is queued, not sent in the request.
    expect((await review(es.id, 'request_more', 'Falta el comprobante de domicilio.')).status).toBe(200);
    await t.server.workers!.idle();
    expect(smtp.refused()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0];
    expect(mail.to).toEqual(['socio@example.es']);
    const m = decoded(mail.raw);
    expect(m.subject).toBe('Acción necesaria: verifique su cuenta de socio');
    expect(m.body).toContain('Hola IB es,');
    expect(m.body).toContain('Falta el comprobante de domicilio.');
    expect(m.headers).toMatch(/^From: Broker Partners <partners@broker\.example>/m);
    expect(m.headers).toMatch(/^Content-Language: es/m);
    const [row] = await t.server.ctx.db.query<{ status: string; attempts: number; last_error: string | null; to_sealed: string }>(`SELECT status, attempts, last_error, to_sealed FROM email_outbox WHERE partner_id = $1`, [es.id]);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(row.to_sealed).toMatch(/^enc:v1:/);

    // The unsubscribe link turns this kind off without signing in; a forged token does nothing.
    const link = /Dejar de recibir estos correos: (\S+)/.exec(m.body)![1];
    const url = new URL(link);
    expect((await fetch(`${t.url}${url.pathname}?token=${url.searchParams.get('token')!.slice(0, -2)}xx`)).status).toBe(400);
    const unsub = await fetch(`${t.url}${url.pathname}${url.search}`);
    expect(unsub.status).toBe(200);
    expect(await unsub.text()).toContain('Unsubscribed');
    const prefs = (await t.call('GET', `/api/v1/partners/${es.id}/compliance`, { token: es.token })).body.data.emails;
    expect(prefs.verification_requested).toBe(false);
    expect(prefs.verification_approved).toBe(true);

    // Opted out: the next request for more sends nothing; other kinds still go out.
    await uploadDocument(t, es.token, es.id, { bytes: PNG, type: 'image/png' }, { kind: 'proof_of_address' });
    await submit(es.id, es.token);
    await review(es.id, 'request_more', 'Otra vez.');
    await submit(es.id, es.token);
    await review(es.id, 'approve');
    await t.server.workers!.idle();
    const kinds = await t.server.ctx.db.query<{ kind: string }>('SELECT kind FROM email_outbox WHERE partner_id = $1 ORDER BY id', [es.id]);
    expect(kinds.map((k) => k.kind)).toEqual(['verification_requested', 'verification_approved']);
    expect(smtp.received).toHaveLength(2);
    expect(decoded(smtp.received[1].raw).subject).toBe('Su cuenta de socio está verificada');
  });

  it('Chinese and Arabic partners get their own texts; activity notices (a client registered) reach only partners that opted in', async () => {
    const zh = await partnerIn('zh', 'partner@example.cn');
    const ar = await partnerIn('ar', 'partner@example.ae');
    for (const p of [zh, ar]) {
      await submit(p.id, p.token);
      await review(p.id, 'reject', 'ID unreadable');
    }
    await t.server.workers!.idle();
    const byTo = (addr: string) => decoded(smtp.received.find((r) => r.to[0] === addr)!.raw);
    expect(byTo('partner@example.cn').subject).toBe('您的合作伙伴验证被拒绝');
    expect(byTo('partner@example.cn').body).toContain('ID unreadable');
    expect(byTo('partner@example.ae').subject).toBe('تم رفض التحقق من حساب الشريك');
    expect(byTo('partner@example.ae').body).toContain('إيقاف هذه الرسائل');
    // Activity notices are opt-in.
    const prefs = (await t.call('GET', `/api/v1/partners/${zh.id}/compliance`, { token: zh.token })).body.data.emails;
    expect(prefs).toMatchObject({ client_registered: false, commission_approved: false, payout_paid: true });
    expect((await t.call('PATCH', `/api/v1/partners/${zh.id}/compliance`, { token: zh.token, body: { emails: { client_registered: true } } })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/partners/${zh.id}/compliance`, { token: zh.token })).body.data.emails.client_registered).toBe(true);
    // A client registering through each partner: only the one that opted in hears of it.
    const affiliate = async (id: string) => (await t.call('GET', `/api/v1/partners/${id}`, { token: admin })).body.affiliate_id;
    for (const [c, p] of [['ZH-C1', zh], ['AR-C1', ar]] as const) {
      const res = await t.call('POST', '/api/v1/forex/customers', { token: admin, body: [{ customer_id: c, signup_date: '2026-01-02T10:00:00Z', affiliate_id: await affiliate(p.id) }] });
      expect(res.status, res.text).toBeLessThan(300);
    }
    await t.server.workers!.idle();
    const notices = await t.server.ctx.db.query<{ partner_id: string; kind: string }>(`SELECT partner_id, kind FROM email_outbox WHERE kind = 'client_registered'`);
    expect(notices).toEqual([{ partner_id: zh.id, kind: 'client_registered' }]);
    const registered = smtp.received.filter((r) => r.to[0] === 'partner@example.cn').map((r) => decoded(r.raw)).find((m) => m.subject === '有新客户注册')!;
    expect(registered.body).toContain('客户 ZH-C1 通过您的链接注册');
    expect((await t.call('PATCH', `/api/v1/partners/${zh.id}/compliance`, { token: zh.token, body: { emails: { spam: true } } })).status).toBe(422);
    expect((await t.call('PATCH', `/api/v1/partners/${zh.id}/compliance`, { token: zh.token, body: { language: 'Chinese' } })).status).toBe(422);
  });
});
