-- Cent accounts: USC (US cent) and EUC (euro cent) are a hundredth of USD and EUR on every day,
-- with no stored rate. fx_rate converts through the unit currency; everything else is as before.
ALTER FUNCTION fx_rate(date, text, text) RENAME TO fx_rate_stored;

CREATE FUNCTION fx_rate(d date, from_ccy text, to_ccy text) RETURNS numeric
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN from_ccy = to_ccy THEN 1::numeric
    WHEN from_ccy IN ('USC', 'EUC') THEN
      fx_rate_stored(d, CASE from_ccy WHEN 'USC' THEN 'USD' ELSE 'EUR' END,
                     CASE to_ccy WHEN 'USC' THEN 'USD' WHEN 'EUC' THEN 'EUR' ELSE to_ccy END)
      / 100 * CASE WHEN to_ccy IN ('USC', 'EUC') THEN 100 ELSE 1 END
    WHEN to_ccy IN ('USC', 'EUC') THEN
      fx_rate_stored(d, from_ccy, CASE to_ccy WHEN 'USC' THEN 'USD' ELSE 'EUR' END) * 100
    ELSE fx_rate_stored(d, from_ccy, to_ccy)
  END
$$;
