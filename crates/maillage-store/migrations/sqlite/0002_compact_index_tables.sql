-- Tags and search terms are looked up by their key only: clustered tables without rowid
-- store them once instead of twice, and keep the rows of one term together.
CREATE TABLE search_terms_new (
    kind TEXT NOT NULL,
    term TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (kind, term, doc_id)
) WITHOUT ROWID;
INSERT INTO search_terms_new (kind, term, doc_id, weight) SELECT kind, term, doc_id, weight FROM search_terms;
DROP TABLE search_terms;
ALTER TABLE search_terms_new RENAME TO search_terms;
CREATE INDEX search_terms_doc ON search_terms (doc_id);

CREATE TABLE place_tags_new (
    place_id TEXT NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value, place_id)
) WITHOUT ROWID;
INSERT INTO place_tags_new (place_id, kind, value) SELECT place_id, kind, value FROM place_tags;
DROP TABLE place_tags;
ALTER TABLE place_tags_new RENAME TO place_tags;
CREATE INDEX place_tags_place ON place_tags (place_id);
