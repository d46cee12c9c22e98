-- The history of content items: every change to an item (a place today; networks,
-- communities, resources, events later, told apart by `kind`) is one row, written in the
-- same transaction as the change itself.
--
-- `fields` is the diff of that change as JSON, `[field, old, new]` triples in the item's
-- field order: `[["name", "Avant", "Après"], …]`; a creation may instead store the item's
-- initial content as a JSON object (`{"name": "…", …}`: every field, from null), which
-- an import writes without diffing anything. `version` is the item's version the change
-- produced.
--
-- Who: `actor_kind` is `person` (with `actor_id`, and `actor_label` the display name at
-- the time: the command line's actor has no account row), `demo`, `system` (a tool acting
-- for nobody), or `erased` (the account was deleted: `actor_id` NULL and `actor_label`
-- "compte supprimé"). No foreign key on `actor_id`, for that reason and because items of
-- every kind share the table; erasing an account updates its rows explicitly.
CREATE TABLE changes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    actor_id TEXT,
    actor_kind TEXT NOT NULL,
    actor_label TEXT,
    at TIMESTAMPTZ NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX changes_item ON changes (kind, item_id, version);
CREATE INDEX changes_actor ON changes (actor_id) WHERE actor_id IS NOT NULL;
