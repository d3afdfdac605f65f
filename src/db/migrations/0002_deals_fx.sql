-- Platform deals (one row per closing deal, when a source provides them) and daily FX rates.

CREATE TABLE deals (
  seq bigserial NOT NULL UNIQUE,
  deal_id text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  platform text,
  login text,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  lots numeric NOT NULL CHECK (lots >= 0),
  open_time timestamptz,
  close_time timestamptz NOT NULL,
  trading_day date NOT NULL,
  open_price numeric,
  close_price numeric,
  spread_cost numeric,
  commission numeric,
  swap numeric,
  profit numeric,
  volume_usd numeric,
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deals_rollup_idx ON deals (customer_id, trading_day, symbol, currency);
CREATE INDEX deals_close_idx ON deals (close_time);

CREATE TABLE fx_rates (
  date date NOT NULL,
  base char(3) NOT NULL,
  quote char(3) NOT NULL,
  rate numeric NOT NULL CHECK (rate > 0),
  source text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (date, base, quote)
);

-- Units of `to` per one unit of `from` on a day: the stored pair, its inverse, or a cross through USD.
-- NULL when no rate can be derived: callers hold the amount rather than guess.
CREATE FUNCTION fx_rate(d date, from_ccy text, to_ccy text) RETURNS numeric
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN from_ccy = to_ccy THEN 1::numeric ELSE coalesce(
    (SELECT rate FROM fx_rates WHERE date = d AND base = from_ccy AND quote = to_ccy),
    (SELECT 1 / rate FROM fx_rates WHERE date = d AND base = to_ccy AND quote = from_ccy),
    (SELECT a.r * b.r FROM
       (SELECT coalesce((SELECT rate FROM fx_rates WHERE date = d AND base = from_ccy AND quote = 'USD'),
                        (SELECT 1 / rate FROM fx_rates WHERE date = d AND base = 'USD' AND quote = from_ccy)) AS r) a,
       (SELECT coalesce((SELECT rate FROM fx_rates WHERE date = d AND base = 'USD' AND quote = to_ccy),
                        (SELECT 1 / rate FROM fx_rates WHERE date = d AND base = to_ccy AND quote = 'USD')) AS r) b)
  ) END
$$;
