import { createHash } from 'node:crypto';
import type { Issues } from '../partners/validate.ts';

/** Largest upload (decoded): banners and screenshots are far smaller; a PDF flyer fits. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The file types accepted, told by their first bytes (the declared type must agree). */
const SIGNATURES: { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];
export const FILE_TYPES = SIGNATURES.map((s) => s.type);
export const IMAGE_TYPES = FILE_TYPES.filter((t) => t.startsWith('image/'));

export interface UploadedFile {
  base64: string;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  width?: number;
  height?: number;
}

/** Pixel size of a PNG or GIF (the cheap headers); undefined for others. */
function dimensions(b: Buffer, type: string): { width: number; height: number } | undefined {
  if (type === 'image/png' && b.length >= 24) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (type === 'image/gif' && b.length >= 10) return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  return undefined;
}

/**
 * Checks an upload sent as base64 JSON: decodable, not empty, at most MAX_FILE_BYTES, one of the
 * accepted types by its content, and of the type it claims. A virus scanner, when the broker
 * runs one, hooks in here (see docs/compliance.md).
 */
export function checkUpload(
  input: { content_base64?: string; file_name?: string; content_type?: string },
  field: string,
  issues: Issues,
  allowed: readonly string[] = FILE_TYPES,
): UploadedFile | undefined {
  const { content_base64: content, file_name: name, content_type: declared } = input;
  if (content === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) {
    issues.add(`${field}.content_base64`, 'must be standard base64');
    return undefined;
  }
  if (content.length > Math.ceil(MAX_FILE_BYTES / 3) * 4) {
    issues.add(`${field}.content_base64`, `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
    return undefined;
  }
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length === 0) issues.add(`${field}.content_base64`, 'the file is empty');
  else if (bytes.length > MAX_FILE_BYTES) issues.add(`${field}.content_base64`, `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
  const sniffed = SIGNATURES.find((s) => s.test(bytes))?.type;
  if (bytes.length > 0 && (!sniffed || !allowed.includes(sniffed))) issues.add(`${field}.content_base64`, `must be one of ${allowed.join(', ')} (told by the file's content)`);
  else if (declared !== undefined && sniffed !== undefined && declared !== sniffed) issues.add(`${field}.content_type`, `says ${declared} but the file is ${sniffed}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!name || name.length > 200 || /[\u0000-\u001f\u007f/\\]/.test(name)) issues.add(`${field}.file_name`, 'must be a file name of 1–200 characters without slashes or control characters');
  if (issues.list.some((i) => i.field.startsWith(`${field}.`)) || !sniffed || !name) return undefined;
  return { base64: content, file_name: name.normalize('NFC'), content_type: sniffed, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), ...dimensions(bytes, sniffed) };
}
