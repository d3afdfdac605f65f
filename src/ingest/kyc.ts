export type KycState = 'approved' | 'pending' | 'rejected' | 'none';

/** Reads a CRM's kyc_status_id through the configured value lists (OPENIB_KYC_*_STATUSES). */
export function kycState(statusId: string | null | undefined, lists: { kycApproved: string[]; kycRejected: string[] }): KycState {
  if (!statusId) return 'none';
  const v = statusId.trim().toLowerCase();
  if (lists.kycApproved.includes(v)) return 'approved';
  if (lists.kycRejected.includes(v)) return 'rejected';
  return 'pending';
}
