-- A transaction may declare that it appends no event (application_name 'openib:writes-no-events:<its
-- id>', see writesNoEvents in src/events/outbox.ts): outbox readers then do not wait for it. The
-- declaration must hold, or a reader could move past an event that is not yet visible: an event
-- from a declared transaction is refused.
CREATE FUNCTION events_refuse_declared_silent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('application_name', true) LIKE 'openib:writes-no-events:%' THEN
    RAISE EXCEPTION 'this transaction declared that it writes no events (application_name %)', current_setting('application_name', true);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER events_refuse_declared_silent BEFORE INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_declared_silent();
