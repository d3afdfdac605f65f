import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';
import { createLink, LINK_COLUMNS, type Link } from '../partners/links/links.ts';
import type { UploadedFile } from './files.ts';

export const MATERIAL_KINDS = ['banner', 'landing_page', 'text'] as const;
export type MaterialKind = (typeof MATERIAL_KINDS)[number];

export interface Material {
  material_id: string;
  kind: MaterialKind;
  title: string;
  language: string;
  countries: string[];
  destination_url: string;
  body: string | null;
  file_name: string | null;
  content_type: string | null;
  file_size: number | null;
  file_sha256: string | null;
  width: number | null;
  height: number | null;
  status: 'active' | 'archived';
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export const MATERIAL_COLUMNS = `material_id, kind, title, language, countries, destination_url, body, file_name, content_type, file_size, file_sha256,
  width, height, status, created_by, created_at, updated_at`;

export const newMaterialId = () => `mm_${randomBytes(9).toString('base64url')}`;

export interface NewMaterial {
  kind: MaterialKind;
  title: string;
  language: string;
  countries: string[];
  destinationUrl: string;
  body?: string;
  file?: UploadedFile;
  actor?: string;
}

export async function createMaterial(tx: Sql, m: NewMaterial): Promise<Material> {
  const [row] = await tx.query<Material>(
    `INSERT INTO marketing_materials (material_id, kind, title, language, countries, destination_url, body, file_base64, file_name, content_type, file_size, file_sha256, width, height, created_by)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${MATERIAL_COLUMNS}`,
    [
      newMaterialId(), m.kind, m.title, m.language, m.countries, m.destinationUrl, m.body ?? null,
      m.file?.base64 ?? null, m.file?.file_name ?? null, m.file?.content_type ?? null, m.file?.size ?? null, m.file?.sha256 ?? null, m.file?.width ?? null, m.file?.height ?? null,
      m.actor ?? null,
    ],
  );
  return row;
}

export async function getMaterial(db: Sql, id: string): Promise<Material | undefined> {
  const [row] = await db.query<Material>(`SELECT ${MATERIAL_COLUMNS} FROM marketing_materials WHERE material_id = $1`, [id]);
  return row;
}

export async function materialFile(db: Sql, id: string, activeOnly: boolean): Promise<{ base64: string; content_type: string; file_name: string } | undefined> {
  const [row] = await db.query<{ base64: string | null; content_type: string; file_name: string }>(
    `SELECT file_base64 AS base64, content_type, file_name FROM marketing_materials WHERE material_id = $1 AND ($2::boolean IS FALSE OR status = 'active')`,
    [id, activeOnly],
  );
  return row?.base64 ? { base64: row.base64, content_type: row.content_type, file_name: row.file_name } : undefined;
}

/** The library: all materials (broker), or the active ones for a language and a country (partners). */
export async function listMaterials(db: Sql, f: { status?: string; language?: string; country?: string; kind?: string }): Promise<Material[]> {
  return db.query<Material>(
    `SELECT ${MATERIAL_COLUMNS} FROM marketing_materials
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR language = $2)
       AND ($3::text IS NULL OR countries = '{}' OR $3 = ANY(countries)) AND ($4::text IS NULL OR kind = $4)
     ORDER BY created_at DESC, material_id LIMIT 500`,
    [f.status ?? null, f.language ?? null, f.country ?? null, f.kind ?? null],
  );
}

export async function setMaterialStatus(tx: Sql, id: string, status: 'active' | 'archived'): Promise<Material | undefined> {
  const [row] = await tx.query<Material>(`UPDATE marketing_materials SET status = $2, updated_at = now() WHERE material_id = $1 RETURNING ${MATERIAL_COLUMNS}`, [id, status]);
  return row;
}

/**
 * The partner's tracking link for a material: one per partner and material (campaign
 * `material:<id>`), leading to the material's destination, created the first time it is used.
 */
export async function materialLink(tx: Sql, partnerId: string, m: Material): Promise<Link> {
  const campaign = `material:${m.material_id}`;
  const [existing] = await tx.query<Link>(`SELECT ${LINK_COLUMNS} FROM links WHERE partner_id = $1 AND campaign_id = $2 ORDER BY created_at LIMIT 1`, [partnerId, campaign]);
  if (existing) return existing;
  return createLink(tx, { partnerId, destinationUrl: m.destination_url, campaignId: campaign, label: m.title.slice(0, 200), utm_source: 'openib', utm_medium: m.kind, utm_content: m.material_id });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** What the partner pastes: the banner as HTML around its link, the text with its link, or the link itself. */
export function snippetOf(m: Material, trackingLink: string, fileUrl: string): string {
  if (m.kind === 'banner') {
    const size = m.width && m.height ? ` width="${m.width}" height="${m.height}"` : '';
    return `<a href="${escapeHtml(trackingLink)}" rel="sponsored"><img src="${escapeHtml(fileUrl)}" alt="${escapeHtml(m.title)}"${size}></a>`;
  }
  if (m.kind === 'text') return (m.body ?? '').replaceAll('{tracking_link}', trackingLink);
  return trackingLink;
}

export const materialNotFound = () => new AppError(404, 'not_found', 'No marketing material with this id.');
