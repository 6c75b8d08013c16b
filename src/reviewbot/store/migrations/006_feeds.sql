-- Feeds: blogs followed in a server (or in the operator's catalogue), their health, and the
-- entries already seen.

-- guild_id 0 is the operator's catalogue, as in `reviews`; any other value is the server that
-- follows the feed, owns its reviews and is where new entries are announced.
CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL DEFAULT 0,
    url           TEXT    NOT NULL,
    channel_id    INTEGER, -- where new entries are announced; NULL: the server's review channel
    category      TEXT    NOT NULL DEFAULT 'other'
                  CHECK (category IN ('film', 'album', 'book', 'game', 'show', 'other')),
    title         TEXT,
    -- Conditional GET: what the server said last time, and a digest of the body it sent, so an
    -- unchanged answer costs no parsing even from a server that ignores ETag.
    etag          TEXT,
    last_modified TEXT,
    body_digest   TEXT,
    last_fetch_at TEXT,
    last_status   INTEGER,
    last_new_at   TEXT,
    failures      INTEGER NOT NULL DEFAULT 0, -- failed polls in a row
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    next_poll_at  TEXT    NOT NULL,
    last_error    TEXT,
    note          TEXT, -- what the last poll decided that the admin should know
    created_at    TEXT    NOT NULL,
    UNIQUE (guild_id, url)
);
CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE paused = 0;

-- Every entry a feed has shown, by its key (guid, else link, else title and date): a set of
-- seen keys rather than a high-water mark, so a reordered, re-dated or undated feed announces
-- nothing twice. The review it became keeps its id when the entry's title changes; NULL when
-- the entry is not a review (no rating, a list, a diary line without text).
CREATE TABLE feed_entries (
    feed_id   INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    entry_key TEXT    NOT NULL,
    review_id INTEGER REFERENCES reviews (id) ON DELETE SET NULL,
    digest    TEXT    NOT NULL, -- of what the entry said, so an unchanged entry is not rewritten
    seen_at   TEXT    NOT NULL,
    PRIMARY KEY (feed_id, entry_key)
) WITHOUT ROWID;
CREATE INDEX feed_entries_review ON feed_entries (review_id) WHERE review_id IS NOT NULL;
