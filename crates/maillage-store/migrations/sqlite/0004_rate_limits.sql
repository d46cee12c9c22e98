-- Rate limits as counters updated by one upsert per hit, instead of one event row per
-- request counted afterwards (a write transaction and a range count per request).
--
-- A fixed-window counter per bucket (e.g. writes of one account, failed logins of one
-- address): the window starts at its first hit and lasts until expires_at (Unix ms).
CREATE TABLE rate_counters (
    bucket TEXT PRIMARY KEY,
    count BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);

-- Login attempts per (account, address) pair: a few free attempts, then a growing delay
-- (1 s, 2 s, 4 s… up to a cap) before the next one; a success removes the row. The real
-- owner, from another address, is never held up by someone guessing from elsewhere.
CREATE TABLE login_throttle (
    pair TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    penalty_ms BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    last_attempt BIGINT NOT NULL,
    refused BOOLEAN NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_throttle_last ON login_throttle (last_attempt);

DROP TABLE rate_events;
