-- Contribution and moderation (maillage_domain::moderation): edits of a place proposed by
-- people who do not answer for it, and problems reported on a place, each waiting in the
-- queue of those who answer for it until someone accepts or rejects it. `version` moves
-- at each decision, so that of two decisions on the same item the second is a conflict.
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    base_version BIGINT NOT NULL,
    input TEXT NOT NULL,
    message TEXT NOT NULL,
    proposer_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX proposals_open ON proposals (status, created_at);
CREATE INDEX proposals_place ON proposals (place_id);
CREATE INDEX proposals_proposer ON proposals (proposer_id);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    reporter_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    note TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX reports_open ON reports (status, created_at);
CREATE INDEX reports_place ON reports (place_id);
CREATE INDEX reports_reporter ON reports (reporter_id);

-- Pairs of places a moderator said are not duplicates (place_a < place_b), so that the
-- detector does not show them again.
CREATE TABLE not_duplicates (
    place_a TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    place_b TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (place_a, place_b),
    CHECK (place_a < place_b)
);

-- A place merged into another: its address keeps answering (a redirect to the place it
-- was merged into).
CREATE TABLE merged_places (
    old_id TEXT PRIMARY KEY,
    into_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    merged_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    merged_at TIMESTAMPTZ NOT NULL
);
