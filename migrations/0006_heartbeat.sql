-- Workers report what only they can see (calls in the current window, 429s, messages
-- they hold unacked) every few seconds, so that `status`, `/metrics` and the status page
-- work from any process, and an alert can tell when no consumer is active.
CREATE TABLE onefile_sync.heartbeat (
    role       text        PRIMARY KEY,   -- 'consumer', 'writer'
    instance   text        NOT NULL,      -- host and pid
    data       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
