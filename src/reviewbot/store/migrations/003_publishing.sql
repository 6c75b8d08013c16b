-- Publishing: drafts of reviews being written in Discord, where each review was posted, and the
-- outbox of posts, edits and deletes waiting for Discord.

-- A form submitted but not yet published (kept so that a mistake never costs the text typed).
CREATE TABLE drafts (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    review_id  INTEGER REFERENCES reviews (id) ON DELETE CASCADE, -- set when editing a review
    category   TEXT    NOT NULL DEFAULT 'other',
    title      TEXT    NOT NULL DEFAULT '',
    creator    TEXT    NOT NULL DEFAULT '',
    rating     TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    spoiler    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL
);

-- The message a review was published as, so edits and deletes reach it and /review show links it.
CREATE TABLE posts (
    review_id  INTEGER PRIMARY KEY REFERENCES reviews (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    posted_at  TEXT    NOT NULL
);

-- One row per post, edit or delete of a published message. A row is done only once Discord has
-- accepted it; its id is the message nonce, so a repeated send is dropped by Discord itself.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    review_id  INTEGER REFERENCES reviews (id) ON DELETE SET NULL,
    action     TEXT    NOT NULL CHECK (action IN ('post', 'edit', 'delete')),
    channel_id INTEGER, -- edit and delete: the message to change
    message_id INTEGER,
    state      TEXT    NOT NULL DEFAULT 'waiting'
               CHECK (state IN ('waiting', 'blocked', 'done', 'dropped')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before TEXT    NOT NULL, -- the earliest time to try (again)
    last_error TEXT,
    created_at TEXT    NOT NULL,
    done_at    TEXT
);
-- Done rows pile up over the years; these indexes keep the worker's polls to the open rows.
CREATE INDEX outbox_open ON outbox (guild_id, id) WHERE state IN ('waiting', 'blocked');
CREATE INDEX outbox_retry ON outbox (not_before) WHERE state = 'waiting';
CREATE INDEX outbox_history ON outbox (guild_id, state, done_at);
