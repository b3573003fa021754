-- The writer's own tables: which results it has applied, what it changed, and what Push
-- mode last sent to OneFile.
--
-- None of them references PICSWeb's tables: a learner deleted in PICSWeb keeps its audit
-- history, and PICSWeb's own deletes are never blocked by the integration.

-- Every result applied, by its id, written in the transaction that applies it: a
-- redelivered result finds its id here and changes nothing.
CREATE TABLE onefile_sync.applied_result (
    result_id  uuid        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per PICSWeb column the writer changed. Values are stored as text (NULL for a
-- blank); they include personal data in Pull mode, so this table is for the operator's
-- eyes (`onefile-sync audit --learner ID`), never for logs.
CREATE TABLE onefile_sync.audit (
    id          bigserial   PRIMARY KEY,
    learner_id  bigint      NOT NULL,       -- the learner the result was about
    table_name  text        NOT NULL,       -- PICSWeb table, e.g. 'learner_qualification'
    row_id      bigint      NOT NULL,       -- that table's primary key
    column_name text        NOT NULL,
    old_value   text,
    new_value   text,
    result_id   uuid        NOT NULL,       -- the result that made the change
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_learner_changed_at ON onefile_sync.audit (learner_id, changed_at);

-- Push mode: the fingerprint (domain::refresh::LearnerDetails::fingerprint) of the details
-- last sent to OneFile, so the consumer sends them again only when they changed.
CREATE TABLE onefile_sync.learner_push (
    learner_id  bigint      PRIMARY KEY,
    fingerprint text        NOT NULL,
    pushed_at   timestamptz NOT NULL
);
