-- Periods and the overview read the subtree and monthly rollups by day/month across partners (the
-- days at either end of a period for a whole subtree): the same day-first index as report_partner_daily.
CREATE INDEX report_subtree_daily_day_idx ON report_subtree_daily (day, partner_id);
CREATE INDEX report_subtree_monthly_month_idx ON report_subtree_monthly (month, partner_id);
