-- A cTrader invite for a trader another partner owns, answered under the `keep` policy
-- (OPENIB_CTRADER_REATTRIBUTION=keep): the owner stays, nothing waits for review.
ALTER TABLE ctrader_invites DROP CONSTRAINT ctrader_invites_status_check;
ALTER TABLE ctrader_invites ADD CONSTRAINT ctrader_invites_status_check CHECK (status IN ('pending', 'attributed', 'conflict', 'superseded', 'kept'));
