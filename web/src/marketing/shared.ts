/** Reads a chosen file as the base64 body the marketing API takes. */
export function readFileBase64(file: File): Promise<{ content_base64: string; file_name: string; content_type?: string }> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ content_base64: url.slice(url.indexOf(',') + 1), file_name: file.name, ...(file.type ? { content_type: file.type } : {}) });
    };
    reader.readAsDataURL(file);
  });
}

export interface Material {
  material_id: string;
  kind: 'banner' | 'landing_page' | 'text';
  title: string;
  language: string;
  countries: string[];
  destination_url: string;
  body: string | null;
  file_name: string | null;
  width: number | null;
  height: number | null;
  file_url: string | null;
  status: 'active' | 'archived';
  created_at: string;
}

export interface Submission {
  submission_id: string;
  partner_id: string;
  partner_name?: string;
  kind: 'url' | 'screenshot' | 'file';
  title: string;
  url: string | null;
  notes: string | null;
  file_name: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  reason: string | null;
  reviewed_at: string | null;
  submitted_at: string;
}

export const KIND_LABELS: Record<string, string> = { banner: 'Banner', landing_page: 'Landing page', text: 'Text', url: 'Web page', screenshot: 'Screenshot', file: 'File' };
