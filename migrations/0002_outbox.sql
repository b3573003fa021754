-- The integration's own schema, and the outbox that PICSWeb's triggers fill.
--
-- Triggers on PICSWeb's tables turn a user's action into an event row in the same
-- transaction, so PICSWeb needs no code change and nothing is lost while RabbitMQ is down.
-- The relay (`onefile-sync relay`) publishes rows in id order and deletes each only after
-- RabbitMQ confirms it. NOTIFY wakes the relay at commit.
--
-- Changes the integration makes itself fire nothing: the triggers watch only the columns
-- people change (onefile_enrolled; a review's date, start time and officer), and a
-- transaction that sets `onefile_sync.internal = on` is ignored altogether.

CREATE SCHEMA IF NOT EXISTS onefile_sync;

CREATE TABLE onefile_sync.outbox (
    id          bigserial   PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    routing_key text        NOT NULL,
    payload     jsonb       NOT NULL,   -- the event envelope of contracts/events.md
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Adds one event to the outbox and wakes the relay (the notification is sent at commit).
CREATE FUNCTION onefile_sync.enqueue_event(p_kind text, p_learner_id bigint, p_review_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid := gen_random_uuid();
BEGIN
    INSERT INTO onefile_sync.outbox (event_id, routing_key, payload)
    VALUES (v_id, p_kind, jsonb_build_object(
        'schema_version', 1,
        'id', v_id,
        'kind', p_kind,
        'learner_id', p_learner_id,
        'review_id', p_review_id,
        'scope', NULL,
        'occurred_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'source', 'picsweb'));
    PERFORM pg_notify('onefile_outbox', '');
END $$;

-- True inside a transaction of the integration itself.
CREATE FUNCTION onefile_sync.is_internal() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('onefile_sync.internal', true), '') = 'on'
$$;

-- enrol: onefile_enrolled turns true (or a learner is inserted already enrolled).
CREATE FUNCTION onefile_sync.learner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF onefile_sync.is_internal() THEN
        RETURN NULL;
    END IF;
    IF NEW.onefile_enrolled AND (TG_OP = 'INSERT' OR NOT OLD.onefile_enrolled) THEN
        PERFORM onefile_sync.enqueue_event('enrol', NEW.learner_id, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER onefile_sync_learner_outbox
    AFTER INSERT OR UPDATE OF onefile_enrolled ON picsweb.learner
    FOR EACH ROW EXECUTE FUNCTION onefile_sync.learner_changed();

-- review-change: a review of an enrolled learner is added, or its date, start time or
-- officer changes.
CREATE FUNCTION onefile_sync.review_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF onefile_sync.is_internal() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND NEW.scheduled_date IS NOT DISTINCT FROM OLD.scheduled_date
       AND NEW.start_time IS NOT DISTINCT FROM OLD.start_time
       AND NEW.officer_id IS NOT DISTINCT FROM OLD.officer_id
       AND NEW.learner_id IS NOT DISTINCT FROM OLD.learner_id THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM picsweb.learner l
               WHERE l.learner_id = NEW.learner_id
                 AND (l.onefile_enrolled OR l.onefile_id IS NOT NULL)) THEN
        PERFORM onefile_sync.enqueue_event('review-change', NEW.learner_id, NEW.review_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER onefile_sync_review_outbox
    AFTER INSERT OR UPDATE OF scheduled_date, start_time, officer_id, learner_id ON picsweb.review
    FOR EACH ROW EXECUTE FUNCTION onefile_sync.review_changed();
