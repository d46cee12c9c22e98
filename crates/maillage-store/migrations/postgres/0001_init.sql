-- Maillage schema, PostgreSQL. Append-only: never edit a migration once released.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('places_revision', 0);

CREATE TABLE places (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    departement TEXT NOT NULL,
    region TEXT NOT NULL,
    epci TEXT,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    opening_hours TEXT,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    source_id TEXT,
    source_updated_on TEXT,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX places_source ON places (source, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX places_status_name ON places (status, name_folded);
CREATE INDEX places_departement ON places (departement, status);
CREATE INDEX places_region ON places (region, status);
CREATE INDEX places_epci ON places (epci, status);
CREATE INDEX places_commune ON places (commune_code, status);
CREATE INDEX places_lat_lon ON places (lat, lon);

CREATE TABLE place_tags (
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (place_id, kind, value)
);
CREATE INDEX place_tags_value ON place_tags (kind, value, place_id);

CREATE TABLE search_terms (
    kind TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    term TEXT NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (kind, doc_id, term)
);
CREATE INDEX search_terms_term ON search_terms (kind, term, doc_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE place_managers (
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (place_id, user_id)
);
CREATE INDEX place_managers_user ON place_managers (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE rate_events (
    bucket TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at);
