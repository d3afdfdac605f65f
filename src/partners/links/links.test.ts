import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { partnerApi, visit } from '../../../test/helpers/partners.ts';
import { linkRuntime } from './runtime.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer({
    OPENIB_DEFAULT_DESTINATION_URL: 'https://broker.example/',
    OPENIB_LINK_BASE_URL: 'https://go.broker.example',
    OPENIB_LINK_APP_SCHEMES: 'mybroker',
  });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

const flush = () => linkRuntime(t.server.ctx)?.recorder.flush();

describe('links', () => {
  it('creates links with generated or chosen codes, and refuses a taken code', async () => {
    const p = await api.partner({ name: 'Linker' });
    const generated = await api.link(p.partner_id, { label: 'Instagram bio', campaign_id: 'ig-2026' });
    expect(generated).toMatchObject({ partner_id: p.partner_id, kind: 'client', status: 'active', label: 'Instagram bio', campaign_id: 'ig-2026' });
    expect(generated.url).toBe(`https://go.broker.example/l/${generated.code}`);
    const chosen = await api.link(p.partner_id, { code: 'Gold-Webinar' });
    expect(chosen.code).toBe('Gold-Webinar');
    const taken = await t.call('POST', `/api/v1/partners/${p.partner_id}/links`, { token: admin, body: { destination_url: 'https://broker.example', code: 'gold-webinar' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('code_taken');
    const list = await api.ok('GET', `/api/v1/partners/${p.partner_id}/links`);
    expect(list.data.map((l: { code: string }) => l.code)).toEqual([generated.code, 'Gold-Webinar']);
  });

  it('refuses destinations that are not http(s) or an allowed app scheme, and other hostile input', async () => {
    const p = await api.partner({ name: 'Hostile' });
    const bad: [unknown, string][] = [
      [{ destination_url: 'javascript:alert(document.cookie)' }, 'destination_url'],
      [{ destination_url: 'JaVaScRiPt:alert(1)' }, 'destination_url'],
      [{ destination_url: 'data:text/html,<script>alert(1)</script>' }, 'destination_url'],
      [{ destination_url: 'vbscript:msgbox' }, 'destination_url'],
      [{ destination_url: 'ftp://files.example/x' }, 'destination_url'],
      [{ destination_url: '/relative/path' }, 'destination_url'],
      [{ destination_url: 'https://user:pass@broker.example/' }, 'destination_url'],
      [{ destination_url: 'https://broker.example/a b' }, 'destination_url'],
      [{ destination_url: 'java\tscript:alert(1)' }, 'destination_url'],
      [{ destination_url: `https://broker.example/${'a'.repeat(2100)}` }, 'destination_url'],
      [{ destination_url: 'https://broker.example', code: 'a/b' }, 'code'],
      [{ destination_url: 'https://broker.example', kind: 'admin' }, 'kind'],
      [{ destination_url: 'https://broker.example', utm_source: 'x'.repeat(201) }, 'utm_source'],
    ];
    for (const [body, field] of bad) {
      const res = await t.call('POST', `/api/v1/partners/${p.partner_id}/links`, { token: admin, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
    const unknown = await t.call('POST', '/api/v1/partners/pt_nobody/links', { token: admin, body: { destination_url: 'https://broker.example' } });
    expect(unknown.status).toBe(404);
    const deep = await api.link(p.partner_id, { destination_url: 'mybroker://symbol/XAUUSD' });
    expect(deep.destination_url).toBe('mybroker://symbol/XAUUSD');
  });

  it('redirects with click_id and the link\'s UTM values appended, and records the click', async () => {
    const p = await api.partner({ name: 'Redirector' });
    const link = await api.link(p.partner_id, {
      destination_url: 'https://broker.example/register?lang=en#form',
      utm_source: 'ib',
      utm_medium: 'referral',
      utm_campaign: 'spring sale',
      campaign_id: 'spring-2026',
    });
    const res = await visit(t, link.code, {
      query: '?sub_id=story-42',
      headers: { 'user-agent': 'Mozilla/5.0 test', referer: 'https://instagram.com/', 'cf-ipcountry': 'ae' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.location).toMatch(/^https:\/\/broker\.example\/register\?lang=en&utm_source=ib&utm_medium=referral&utm_campaign=spring%20sale&click_id=ck_[\w-]{32}#form$/);
    const upper = await visit(t, link.code.toUpperCase());
    expect(upper.status).toBe(302);
    expect(upper.clickId).not.toBe(res.clickId);

    await flush();
    const [click] = await t.server.ctx.db.query<Record<string, unknown>>('SELECT * FROM clicks WHERE click_id = $1', [res.clickId]);
    expect(click).toMatchObject({ link_id: link.link_id, partner_id: p.partner_id, user_agent: 'Mozilla/5.0 test', referrer: 'https://instagram.com/', country: 'AE', sub_id: 'story-42' });
    expect(click.ip_hash).toMatch(/^[\w-]{22}$/);
    expect(click.ip_hash).not.toContain('127.0.0.1');
    const stats = await api.ok('GET', `/api/v1/links/${link.link_id}/stats`);
    expect(stats).toMatchObject({ clicks: 2, unique_visitors: 1, registrations: 0 });
    const event = (await api.events('link.clicked')).find((e) => e.subject_id === link.link_id);
    expect(event?.data).toMatchObject({ link_id: link.link_id, partner_id: p.partner_id, clicks: 2, sampled: false });

    const deep = await api.link(p.partner_id, { destination_url: 'mybroker://symbol/XAUUSD' });
    expect((await visit(t, deep.code)).location).toMatch(/^mybroker:\/\/symbol\/XAUUSD\?click_id=ck_/);
  });

  it('answers a plain 404 page for unknown codes', async () => {
    for (const code of ['nosuchcode', 'x'.repeat(65), '%3Cscript%3E']) {
      const res = await visit(t, code);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toMatch(/^<!doctype html>.*Link not found/s);
      expect(res.text).not.toContain('<script>');
    }
  });

  it('sends disabled links and suspended partners\' links to the default destination, without a click id', async () => {
    const p = await api.partner({ name: 'Soon suspended' });
    const link = await api.link(p.partner_id);
    expect((await visit(t, link.code)).clickId).toBeTruthy();
    await api.ok('PATCH', `/api/v1/links/${link.link_id}`, { status: 'disabled' });
    const disabled = await visit(t, link.code);
    expect(disabled).toMatchObject({ status: 302, location: 'https://broker.example/', clickId: null });
    await api.ok('PATCH', `/api/v1/links/${link.link_id}`, { status: 'active' });
    expect((await visit(t, link.code)).clickId).toBeTruthy();
    await api.ok('POST', `/api/v1/partners/${p.partner_id}/suspend`, { reason: 'review' });
    expect(await visit(t, link.code)).toMatchObject({ status: 302, location: 'https://broker.example/', clickId: null });
    await flush();
    const stats = await api.ok('GET', `/api/v1/links/${link.link_id}/stats`);
    expect(stats.clicks).toBe(2);
  });

  it('still sends visitors somewhere when a link cannot be looked up', async () => {
    const p = await api.partner({ name: 'Lookup failure' });
    const link = await api.link(p.partner_id);
    await t.server.ctx.db.query('ALTER TABLE links RENAME TO links_away');
    try {
      expect(await visit(t, link.code)).toMatchObject({ status: 302, location: 'https://broker.example/', clickId: null });
    } finally {
      await t.server.ctx.db.query('ALTER TABLE links_away RENAME TO links');
    }
    expect((await visit(t, link.code)).clickId).toBeTruthy();
  });

  it('does not count HEAD requests (link previews) as clicks', async () => {
    const p = await api.partner({ name: 'Previewed' });
    const link = await api.link(p.partner_id);
    const head = await visit(t, link.code, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(head.clickId).toBeNull();
    await flush();
    expect((await api.ok('GET', `/api/v1/links/${link.link_id}/stats`)).clicks).toBe(0);
  });

  it('renders the link as a QR code in PNG and SVG', async () => {
    const p = await api.partner({ name: 'QR' });
    const link = await api.link(p.partner_id);
    const png = await fetch(`${t.url}/api/v1/links/${link.link_id}/qr.png?size=256`, { headers: { authorization: `Bearer ${admin}` } });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(256);
    const svg = await t.call('GET', `/api/v1/links/${link.link_id}/qr.svg`, { token: admin });
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toMatch(/^<svg/);
    expect((await t.call('GET', `/api/v1/links/${link.link_id}/qr.png?size=99999`, { token: admin })).status).toBe(400);
    expect((await t.call('GET', '/api/v1/links/ln_nobody/qr.svg', { token: admin })).status).toBe(404);
  });
});

describe('click buffer', () => {
  it('keeps clicks while the database refuses them and stores them once it accepts again', async () => {
    const p = await api.partner({ name: 'Outage' });
    const link = await api.link(p.partner_id);
    await flush();
    await t.server.ctx.db.query('ALTER TABLE clicks RENAME TO clicks_away');
    try {
      for (let i = 0; i < 5; i++) expect((await visit(t, link.code)).status).toBe(302);
      await flush();
      expect(linkRuntime(t.server.ctx)?.recorder.pending).toBe(5);
    } finally {
      await t.server.ctx.db.query('ALTER TABLE clicks_away RENAME TO clicks');
    }
    await flush();
    expect(linkRuntime(t.server.ctx)?.recorder.pending).toBe(0);
    expect((await api.ok('GET', `/api/v1/links/${link.link_id}/stats`)).clicks).toBe(5);
  });
});

describe('clicks on shutdown', () => {
  it('stores every answered click when the server closes cleanly', async () => {
    // A long flush interval, so the clicks are still buffered when the server closes, however slow the machine.
    const s = await startTestServer({ OPENIB_CLICK_FLUSH_MS: '600000' });
    try {
      const token = await s.token();
      const own = partnerApi(s, token);
      const p = await own.partner({ name: 'Shutdown' });
      const link = await own.link(p.partner_id);
      const answered = await Promise.all(Array.from({ length: 50 }, () => visit(s, link.code)));
      expect(answered.every((r) => r.status === 302)).toBe(true);
      expect(linkRuntime(s.server.ctx)?.recorder.pending).toBeGreaterThan(0);
      await s.server.app!.close();
      const [{ n }] = await s.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM clicks WHERE link_id = $1', [link.link_id]);
      expect(n).toBe(50);
    } finally {
      await s.stop();
    }
  });
});
