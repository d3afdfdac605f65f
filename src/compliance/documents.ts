import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { AppError, notFound, validationFailed } from '../shared/errors.ts';
import { decrypt, encrypt } from '../shared/keyring.ts';
import type { Actor, DocumentView } from './verification.ts';

export const DOCUMENT_KINDS = ['id', 'proof_of_address', 'company', 'licence', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** What a document may be: judged by the file's own first bytes, never by its name or declared type alone. */
export const DOCUMENT_TYPES: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg' };

export interface NewDocument {
  kind: string;
  bytes: Buffer;
  declaredType: string;
  fileName: string | undefined;
  expiresOn: string | undefined;
}

/**
 * A hook for a virus scanner: called with the bytes before anything is stored; throwing refuses the
 * upload. None is installed by default (docs/compliance.md shows how to plug one in, e.g. clamd).
 */
export type DocumentScanner = (bytes: Buffer, type: string) => Promise<void>;
let scanner: DocumentScanner | undefined;
export function installDocumentScanner(s: DocumentScanner | undefined): void {
  scanner = s;
}

/** Checks and seals one uploaded document. */
export async function storeDocument(tx: Sql, partnerId: string, doc: NewDocument, who: Actor, today: string): Promise<DocumentView> {
  if (!(DOCUMENT_KINDS as readonly string[]).includes(doc.kind)) throw validationFailed([{ field: 'kind', reason: `must be one of ${DOCUMENT_KINDS.join(', ')}` }]);
  if (doc.expiresOn !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(doc.expiresOn) || Number.isNaN(Date.parse(doc.expiresOn))))
    throw validationFailed([{ field: 'expires_on', reason: 'must be a date YYYY-MM-DD' }]);
  if (doc.expiresOn !== undefined && doc.expiresOn <= today) throw validationFailed([{ field: 'expires_on', reason: 'the document has already expired' }]);
  if (doc.bytes.length === 0) throw validationFailed([{ field: 'file', reason: 'is empty' }]);
  const detected = await fileTypeFromBuffer(doc.bytes);
  const type = detected ? DOCUMENT_TYPES[detected.ext] : undefined;
  if (!type)
    throw new AppError(415, 'unsupported_document_type', `Documents must be PDF, PNG or JPEG files; this file's content is ${detected ? detected.mime : 'not a recognised type'}.`);
  const declared = doc.declaredType.split(';')[0].trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream' && declared !== type)
    throw new AppError(415, 'unsupported_document_type', `The file was sent as ${declared.slice(0, 80)} but its content is ${type}.`);
  await scanner?.(doc.bytes, type);
  const [status] = await tx.query<{ status: string }>('SELECT status FROM partner_verifications WHERE partner_id = $1', [partnerId]);
  if (status?.status === 'submitted') throw new AppError(409, 'verification_status', 'The verification is under review; documents can be added once it is decided or more is asked for.');
  const sha256 = createHash('sha256').update(doc.bytes).digest('hex');
  const fileName = doc.fileName?.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) || null;
  const [row] = await tx.query<DocumentView>(
    `INSERT INTO partner_documents (partner_id, kind, content_type, size_bytes, sha256, file_name_sealed, content_sealed, expires_on, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING document_id, kind, content_type, size_bytes, sha256, expires_on::text AS expires_on, uploaded_at`,
    [partnerId, doc.kind, type, doc.bytes.length, sha256, fileName ? encrypt(fileName) : null, encrypt(doc.bytes.toString('base64')), doc.expiresOn ?? null, who.actor],
  );
  await recordAudit(tx, {
    actor: who.actor,
    action: 'partner.document.upload',
    subject: { type: 'partner', id: partnerId },
    after: { document_id: row.document_id, kind: doc.kind, content_type: type, size_bytes: doc.bytes.length, sha256, expires_on: doc.expiresOn ?? null },
    ip: who.ip,
  });
  return { ...row, file_name: fileName };
}

/** A document's bytes, only through its own partner: another partner's document id answers 404. */
export async function readDocument(db: Sql, partnerId: string, documentId: string): Promise<{ bytes: Buffer; type: string; fileName: string | null }> {
  if (!/^[0-9a-f-]{36}$/.test(documentId)) throw notFound('Document');
  const [row] = await db.query<{ content_sealed: string; content_type: string; file_name_sealed: string | null }>(
    'SELECT content_sealed, content_type, file_name_sealed FROM partner_documents WHERE partner_id = $1 AND document_id = $2',
    [partnerId, documentId],
  );
  if (!row) throw notFound('Document');
  return { bytes: Buffer.from(decrypt(row.content_sealed), 'base64'), type: row.content_type, fileName: row.file_name_sealed ? decrypt(row.file_name_sealed) : null };
}
