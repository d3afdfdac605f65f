export const GENESIS: string;
export function canonicalize(value: unknown): string;
export function recordHash(partnerId: string, seq: number, prev: string, record: unknown): string;
export interface VerifyError {
  code: string;
  message: string;
  seq?: number;
}
export interface VerifyResult {
  ok: boolean;
  partner_id: string;
  first_broken: number | null;
  errors: VerifyError[];
  records: number;
  head: { seq: number; hash: string };
  checkpoints: { checkpoint_id: number | null; seq: number; head: string; reason: string; issued_at: string; key_id: string }[];
  statements: { statement_id: string; period: string; currency: string; ledger_total: string; sum_of_entries: string; entries: number }[];
  reassignments: { seq: number; customer_id: string; to_partner_id: string; from: string; reason: string | null }[];
}
export function verifyBundle(bundle: unknown, opts?: { saved?: unknown[]; keys?: unknown }): VerifyResult;
export function main(argv: string[], out?: { write(text: string): unknown }): Promise<number>;
