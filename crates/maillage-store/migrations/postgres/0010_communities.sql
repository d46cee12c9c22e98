-- Communities of practice (maillage_domain::community): people who work on the same
-- questions across networks. `data` is the profile as JSON (CommunityData); the name is
-- copied out of it for lists. Referents and members are role grants on the community
-- (role_grants, scope_kind 'community'); requests to join a community on approval wait in
-- community_requests until a referent decides.
CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A person's request to join. `version` moves at each decision, so that of two decisions
-- on the same request the second is a conflict. A declined request stays (with its
-- message) until the person asks again.
CREATE TABLE community_requests (
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('requested', 'declined')),
    message TEXT NOT NULL,
    asked_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMPTZ,
    decision_message TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX community_requests_user ON community_requests (user_id);

-- The feed of a community: publications in Markdown, newest first. A referent removes one
-- from the feed with a reason (removed_at); the row stays for the author's personal data.
CREATE TABLE publications (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    removed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    removal_reason TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX publications_feed ON publications (community_id, created_at);
CREATE INDEX publications_author ON publications (author_id);

-- The communities' revision counter (maillage_store::ContentKind::Communities): moved by
-- every unit of work that writes a community, a request, a referent or a member.
INSERT INTO meta (key, value) VALUES ('communities_revision', 0);
