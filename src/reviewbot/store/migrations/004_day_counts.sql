-- "12 of 340" in two short sums and a count within one day: reviews per scope and month, and
-- per scope and day. With months alone, the count within a month grew to thousands of rows at
-- a million reviews.
DROP TRIGGER review_counts_insert;
DROP TRIGGER review_counts_delete;
DROP TRIGGER review_counts_update;
DROP TABLE review_counts;

CREATE TABLE review_counts (
    guild_id INTEGER NOT NULL,
    span     TEXT    NOT NULL CHECK (span IN ('month', 'day')),
    period   TEXT    NOT NULL, -- 'YYYY-MM' or 'YYYY-MM-DD' of published_at
    n        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, span, period)
) WITHOUT ROWID;

INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'month', substr(published_at, 1, 7), count(*) FROM reviews GROUP BY 1, 3;
INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'day', substr(published_at, 1, 10), count(*) FROM reviews GROUP BY 1, 3;

CREATE TRIGGER review_counts_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO review_counts (guild_id, span, period, n)
    VALUES (new.guild_id, 'month', substr(new.published_at, 1, 7), 1),
           (new.guild_id, 'day', substr(new.published_at, 1, 10), 1)
    ON CONFLICT (guild_id, span, period) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER review_counts_delete AFTER DELETE ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'month' AND period = substr(old.published_at, 1, 7);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'day' AND period = substr(old.published_at, 1, 10);
END;
CREATE TRIGGER review_counts_update AFTER UPDATE OF guild_id, published_at ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'month' AND period = substr(old.published_at, 1, 7);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'day' AND period = substr(old.published_at, 1, 10);
    INSERT INTO review_counts (guild_id, span, period, n)
    VALUES (new.guild_id, 'month', substr(new.published_at, 1, 7), 1),
           (new.guild_id, 'day', substr(new.published_at, 1, 10), 1)
    ON CONFLICT (guild_id, span, period) DO UPDATE SET n = n + 1;
END;
