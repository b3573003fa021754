-- The consumer's own records.
--
-- ledger: every OneFile entity the consumer creates, written as an intent BEFORE the
-- create call and completed with the returned ID right after it. An intent without an ID
-- means a create may have happened without us learning its ID (a crash, a dropped answer):
-- the next attempt searches OneFile by MISID before it creates anything.
CREATE TABLE onefile_sync.ledger (
    entity      text        NOT NULL
                CHECK (entity IN ('learner', 'officer', 'organisation', 'learning_aim', 'review')),
    local_id    bigint      NOT NULL,   -- PICSWeb key: learner_id, officer_id, organisation_id,
                                        -- learner_qualification_id or review_id
    onefile_id  bigint,                 -- NULL while only intended
    intended_at timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz,
    PRIMARY KEY (entity, local_id)
);

-- Events handled, for deduplication by event id and for `GET /events/{id}`.
CREATE TABLE onefile_sync.processed_event (
    event_id     uuid        PRIMARY KEY,
    kind         text        NOT NULL,
    learner_id   bigint,
    outcome      text        NOT NULL CHECK (outcome IN ('done', 'failed', 'skipped', 'dead')),
    reason       text,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_event_processed_at ON onefile_sync.processed_event (processed_at);
