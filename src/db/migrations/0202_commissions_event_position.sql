-- How far the commission engine has read the outbox (in commit order, like the webhook fan-out).
CREATE TABLE commission_event_position (
  id int PRIMARY KEY CHECK (id = 1),
  last_txid xid8 NOT NULL DEFAULT '0',
  last_event_id bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO commission_event_position (id) VALUES (1);
