-- Searches shown in Discord, so their "more results" buttons work after any restart: a custom
-- id holds at most 100 characters, too few for the query itself.
CREATE TABLE saved_searches (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    query      TEXT    NOT NULL,
    category   TEXT,
    min_rating INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL
);
