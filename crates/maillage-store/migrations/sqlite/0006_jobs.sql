-- Background jobs: a queue in a table, so that it survives restarts and is shared by every
-- server on the database (mail, maintenance; later notifications, digests, imports).
--
-- A job is claimed by setting state = 'running' with a lease (lease_owner, lease_expires_at)
-- in one statement; a runner that dies loses its lease when it expires, and another takes
-- the job. Times are Unix milliseconds (compared, never formatted, by the database).
-- At most one job per (kind, idempotency_key): enqueueing a key again is the same job.
-- last_error holds a short message written by the code, never a secret or personal data.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (kind, idempotency_key)
);
-- The claim: due jobs in order.
CREATE INDEX jobs_due ON jobs (state, run_at);
-- Pruning finished jobs.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
