-- Networks of places (maillage_domain::network): national, regional, departmental and
-- thematic networks in a tree (parent_id), with their member places. `data` is the
-- network's content as JSON (NetworkData); name, kind and parent are copied out of it for
-- lists and for the tree. Coordinators are role grants on the network (role_grants).
CREATE TABLE networks (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES networks (id) ON DELETE SET NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX networks_parent ON networks (parent_id);

-- A place's membership of a network: asked by the place's team (requested) or offered by
-- a coordinator (invited), then member or declined. `version` moves at each decision, so
-- that of two decisions on the same request the second is a conflict, never silent.
CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('requested', 'invited', 'member', 'declined')),
    message TEXT NOT NULL,
    asked_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    asked_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    decision_message TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (network_id, place_id)
);
CREATE INDEX network_members_place ON network_members (place_id, status);
CREATE INDEX network_members_status ON network_members (network_id, status);

-- The networks' revision counter (maillage_store::ContentKind::Networks): moved by every
-- unit of work that writes a network or a membership.
INSERT INTO meta (key, value) VALUES ('networks_revision', 0);
