-- Search terms compare bytewise (prefix ranges must not depend on the server's locale),
-- and are found by term first.
ALTER TABLE search_terms ALTER COLUMN term TYPE TEXT COLLATE "C";
CREATE INDEX search_terms_doc ON search_terms (doc_id);
