-- Roles held on a scope (maillage_domain::roles): administrator of the platform,
-- coordinator of a network, referent or member of a community; later reviewer of a call.
-- Managers of a place stay in place_managers and are read as manager grants on the place.
-- scope_id is '' for the platform (so that the unique key holds: NULLs never collide).
-- granted_by is the account that granted the role; NULL for the command line and for the
-- administrators migrated from users.is_admin.
CREATE TABLE role_grants (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    granted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (user_id, role, scope_kind, scope_id),
    CHECK (
        (role = 'admin' AND scope_kind = 'platform' AND scope_id = '')
        OR (role = 'coordinator' AND scope_kind = 'network' AND scope_id <> '')
        OR (role IN ('referent', 'member') AND scope_kind = 'community' AND scope_id <> '')
    )
);
-- Who holds a role on a scope (the coordinators of a network, the last admin check).
CREATE INDEX role_grants_scope ON role_grants (scope_kind, scope_id, role);

-- The administrators so far: granted when their account was created.
INSERT INTO role_grants (user_id, role, scope_kind, scope_id, granted_at, granted_by)
SELECT id, 'admin', 'platform', '', created_at, NULL FROM users WHERE is_admin = TRUE;

-- The flag goes: DROP COLUMN (SQLite 3.35+) edits the schema in place, without the table
-- rebuild that would fight the foreign keys pointing at users (is_admin is in no index,
-- key or constraint, which DROP COLUMN requires).
ALTER TABLE users DROP COLUMN is_admin;
