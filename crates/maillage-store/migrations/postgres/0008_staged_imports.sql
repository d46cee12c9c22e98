-- Uploads kept between an import's preview (a dry run: the report, nothing stored) and its
-- confirmation, so that the person does not send the file twice. Kept an hour at most: the
-- purge job removes older ones; an erased account's go with it. The file is kept as sent,
-- the form's choices (format, source, mapping, status…) as JSON. Times are Unix ms.
CREATE TABLE staged_imports (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    choices TEXT NOT NULL,
    content BYTEA NOT NULL
);
CREATE INDEX staged_imports_created ON staged_imports (created_at);
