-- Full refreshes ("refresh --all") and their progress, for `enqueue refresh --all --wait`,
-- `status` and the incremental fast path (changes since the last complete run).
CREATE TABLE onefile_sync.refresh_run (
    run_id      uuid        PRIMARY KEY,          -- the refresh event's id
    started_at  timestamptz NOT NULL DEFAULT now(),
    mode        text        NOT NULL CHECK (mode IN ('fast', 'per-learner')),
    total       integer,                          -- learners covered; NULL while planning
    done        integer     NOT NULL DEFAULT 0,   -- learners whose result has been applied
    finished_at timestamptz                       -- set when done reaches total
);
