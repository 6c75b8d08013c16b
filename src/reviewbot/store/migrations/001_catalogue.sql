-- The catalogue: reviews, their bodies, full-text indexes, per-server settings.
--
-- guild_id 0 is the operator's catalogue (imported from files); any other value is the Discord
-- server a review was posted in. A number rather than NULL so that the identity index below
-- treats two catalogue reviews with the same title and creator as the same review.
CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL DEFAULT 0,
    title        TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    title_norm   TEXT    NOT NULL,
    creator      TEXT             CHECK (creator IS NULL OR length(creator) <= 200),
    creator_norm TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL DEFAULT 'other'
                 CHECK (category IN ('film', 'album', 'book', 'game', 'show', 'other')),
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 10), -- in half stars
    author_name  TEXT    NOT NULL DEFAULT '',
    author_id    INTEGER,
    -- UTC as 'YYYY-MM-DDTHH:MM:SS.ffffffZ': fixed width, so text order is time order.
    published_at TEXT    NOT NULL,
    url          TEXT,
    image_url    TEXT,
    spoiler      INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    updated_at   TEXT    NOT NULL
);

-- One review per (scope, title, creator); also serves exact and prefix title lookups per scope.
CREATE UNIQUE INDEX reviews_identity ON reviews (guild_id, title_norm, creator_norm);
-- Previous/next/latest by keyset within one scope.
CREATE INDEX reviews_order ON reviews (guild_id, published_at, id);

-- Bodies live apart so that title lookups and scans never page through review text.
CREATE TABLE review_bodies (
    review_id INTEGER PRIMARY KEY REFERENCES reviews (id) ON DELETE CASCADE,
    body      TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000)
);

-- Full-text indexes over the normalised title and the body, kept in step by the triggers below.
CREATE VIRTUAL TABLE title_fts USING fts5 (
    title_norm, content = 'reviews', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', detail = 'column'
);
-- Review text is only ever matched word by word (never as a phrase): detail = 'none' keeps no
-- positions, which makes the index less than half the size and a bulk rebuild a third faster.
CREATE VIRTUAL TABLE body_fts USING fts5 (
    body, content = 'review_bodies', content_rowid = 'review_id',
    tokenize = 'unicode61 remove_diacritics 2', detail = 'none'
);

CREATE TRIGGER title_fts_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO title_fts (rowid, title_norm) VALUES (new.id, new.title_norm);
END;
CREATE TRIGGER title_fts_delete AFTER DELETE ON reviews BEGIN
    INSERT INTO title_fts (title_fts, rowid, title_norm) VALUES ('delete', old.id, old.title_norm);
END;
CREATE TRIGGER title_fts_update AFTER UPDATE OF title_norm ON reviews BEGIN
    INSERT INTO title_fts (title_fts, rowid, title_norm) VALUES ('delete', old.id, old.title_norm);
    INSERT INTO title_fts (rowid, title_norm) VALUES (new.id, new.title_norm);
END;

CREATE TRIGGER body_fts_insert AFTER INSERT ON review_bodies BEGIN
    INSERT INTO body_fts (rowid, body) VALUES (new.review_id, new.body);
END;
CREATE TRIGGER body_fts_delete AFTER DELETE ON review_bodies BEGIN
    INSERT INTO body_fts (body_fts, rowid, body) VALUES ('delete', old.review_id, old.body);
END;
CREATE TRIGGER body_fts_update AFTER UPDATE OF body ON review_bodies BEGIN
    INSERT INTO body_fts (body_fts, rowid, body) VALUES ('delete', old.review_id, old.body);
    INSERT INTO body_fts (rowid, body) VALUES (new.review_id, new.body);
END;

-- Reviews per scope and month, so "12 of 340" costs a short sum and a count within one month
-- instead of a count over the whole catalogue.
CREATE TABLE review_counts (
    guild_id INTEGER NOT NULL,
    month    TEXT    NOT NULL, -- 'YYYY-MM' of published_at
    n        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, month)
) WITHOUT ROWID;

CREATE TRIGGER review_counts_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO review_counts (guild_id, month, n)
    VALUES (new.guild_id, substr(new.published_at, 1, 7), 1)
    ON CONFLICT (guild_id, month) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER review_counts_delete AFTER DELETE ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND month = substr(old.published_at, 1, 7);
END;
CREATE TRIGGER review_counts_update AFTER UPDATE OF guild_id, published_at ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND month = substr(old.published_at, 1, 7);
    INSERT INTO review_counts (guild_id, month, n)
    VALUES (new.guild_id, substr(new.published_at, 1, 7), 1)
    ON CONFLICT (guild_id, month) DO UPDATE SET n = n + 1;
END;

-- Typo tolerance: every title word and each spelling of it with one letter deleted. A query word
-- and its own one-letter deletions looked up here find the title words within about two edits.
CREATE TABLE title_term_variants (
    variant TEXT NOT NULL,
    term    TEXT NOT NULL,
    PRIMARY KEY (variant, term)
) WITHOUT ROWID;

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    review_channel_id INTEGER,
    reviewer_role_id  INTEGER,
    updated_at        TEXT NOT NULL
);
