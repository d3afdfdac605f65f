import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { Sql } from '../db/index.ts';
import type { UploadedFile } from '../marketing/files.ts';
import { createMaterial } from '../marketing/materials.ts';
import { createSubmission, transitionSubmission } from '../marketing/submissions.ts';
import type { DemoNetwork } from './partners.ts';

/** A plain banner image: a dark blue field with a lighter band, as a real PNG. */
export function demoBannerPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    const band = y > height * 0.35 && y < height * 0.65;
    for (let x = 0; x < width; x++) row.set(band ? [0x3b, 0x82, 0xf6] : [0x0f, 0x2a, 0x4a], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const upload = (bytes: Buffer, name: string, width?: number, height?: number): UploadedFile => ({
  base64: bytes.toString('base64'), file_name: name, content_type: 'image/png', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), width, height,
});

/**
 * The marketing library (a banner, a landing page, texts in English and German for some
 * countries) and partners' promotions in each review state, so the portal and the console have
 * something to show.
 */
export async function seedMarketingDemo(tx: Sql, network: DemoNetwork): Promise<void> {
  const register = 'https://broker.example/register';
  await createMaterial(tx, { kind: 'banner', title: 'Trade FX with a regulated broker (728×90)', language: 'en', countries: [], destinationUrl: register, file: upload(demoBannerPng(728, 90), 'fx-728x90.png', 728, 90), actor: 'demo' });
  await createMaterial(tx, { kind: 'landing_page', title: 'Gold trading landing page', language: 'en', countries: [], destinationUrl: 'https://broker.example/lp/gold', actor: 'demo' });
  await createMaterial(tx, {
    kind: 'text', title: 'Short post with the risk warning (UK)', language: 'en', countries: ['GB'], destinationUrl: register, actor: 'demo',
    body: 'Trade 60+ FX pairs and gold with tight spreads: {tracking_link}\nCFDs are complex instruments and come with a high risk of losing money rapidly due to leverage. Consider whether you can afford to take the high risk of losing your money.',
  });
  await createMaterial(tx, {
    kind: 'text', title: 'Kurzer Beitrag mit Risikohinweis', language: 'de', countries: ['DE', 'AT'], destinationUrl: `${register}?lang=de`, actor: 'demo',
    body: 'Handeln Sie Devisen und Gold bei einem regulierten Broker: {tracking_link}\nCFDs sind komplexe Instrumente und gehen wegen der Hebelwirkung mit dem hohen Risiko einher, schnell Geld zu verlieren.',
  });
  const approved = await createSubmission(tx, { partnerId: network.master.partner_id, kind: 'url', title: 'Broker review on our website', url: 'https://atlas.example/reviews/broker', actor: 'demo' });
  await transitionSubmission(tx, approved.submission_id, 'approve', 'demo', 'Risk warning present and prominent');
  await createSubmission(tx, { partnerId: network.sub.partner_id, kind: 'screenshot', title: 'YouTube video description', url: 'https://youtube.example/watch?v=demo', file: upload(demoBannerPng(320, 180), 'youtube-description.png', 320, 180), actor: 'demo' });
  const rejected = await createSubmission(tx, { partnerId: network.sub.partner_id, kind: 'url', title: 'Telegram channel post', url: 'https://t.example/blueharbor/42', notes: 'Pinned post', actor: 'demo' });
  await transitionSubmission(tx, rejected.submission_id, 'reject', 'demo', 'Promises guaranteed profits; no risk warning');
}
