-- When a customer's KYC was (last) approved: CPA qualification and held commissions depend on it.
ALTER TABLE customers ADD COLUMN kyc_approved_at timestamptz;
