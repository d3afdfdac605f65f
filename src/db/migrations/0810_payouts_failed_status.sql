-- A payment that bounced after it was sent: the statement is marked failed (with the reason), its
-- ledger entries return from paid to approved, and it can be approved and paid again or rejected.
ALTER TABLE payout_statements DROP CONSTRAINT payout_statements_status_check;
ALTER TABLE payout_statements ADD CONSTRAINT payout_statements_status_check
  CHECK (status IN ('draft', 'reviewed', 'approved', 'paid', 'held', 'rejected', 'carried', 'failed'));
