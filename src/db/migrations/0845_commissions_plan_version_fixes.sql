-- A plan version with the same effective_from as an earlier one is a fix of that version (docs/commissions.md):
-- it takes the next version number and supersedes the earlier one from that date, which stays stored so the
-- history of what was in force, and which ledger entries cite which version, remains auditable. The unique
-- (plan_id, effective_from) constraint refused every such fix.
ALTER TABLE plan_versions DROP CONSTRAINT plan_versions_plan_id_effective_from_key;
CREATE INDEX plan_versions_plan_from_idx ON plan_versions (plan_id, effective_from, version);
