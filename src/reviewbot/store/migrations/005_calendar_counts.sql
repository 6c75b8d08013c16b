-- "12 of 340" as short sums down a calendar: reviews per scope and year, month, day and hour,
-- then a count within one hour. A position reads at most ~20 years, 11 months, 30 days and
-- 23 hours per scope, whatever the catalogue's size; with months and days alone the sum over
-- months and the count within a day were most of the cost of showing a review at a million.
-- The total is the sum over years.
DROP TRIGGER review_counts_insert;
DROP TRIGGER review_counts_delete;
DROP TRIGGER review_counts_update;
DROP TABLE review_counts;

CREATE TABLE review_counts (
    guild_id INTEGER NOT NULL,
    span     TEXT    NOT NULL CHECK (span IN ('year', 'month', 'day', 'hour')),
    period   TEXT    NOT NULL, -- the first 4, 7, 10 or 13 characters of published_at
    n        INTEGER NOT NULL,
    PRIMARY KEY (guild_id, span, period)
) WITHOUT ROWID;

INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'hour', substr(published_at, 1, 13), count(*) FROM reviews GROUP BY 1, 3;
INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'day', substr(period, 1, 10), sum(n) FROM review_counts
WHERE span = 'hour' GROUP BY 1, 3;
INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'month', substr(period, 1, 7), sum(n) FROM review_counts
WHERE span = 'day' GROUP BY 1, 3;
INSERT INTO review_counts (guild_id, span, period, n)
SELECT guild_id, 'year', substr(period, 1, 4), sum(n) FROM review_counts
WHERE span = 'month' GROUP BY 1, 3;

CREATE TRIGGER review_counts_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO review_counts (guild_id, span, period, n)
    VALUES (new.guild_id, 'year', substr(new.published_at, 1, 4), 1),
           (new.guild_id, 'month', substr(new.published_at, 1, 7), 1),
           (new.guild_id, 'day', substr(new.published_at, 1, 10), 1),
           (new.guild_id, 'hour', substr(new.published_at, 1, 13), 1)
    ON CONFLICT (guild_id, span, period) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER review_counts_delete AFTER DELETE ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'year' AND period = substr(old.published_at, 1, 4);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'month' AND period = substr(old.published_at, 1, 7);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'day' AND period = substr(old.published_at, 1, 10);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'hour' AND period = substr(old.published_at, 1, 13);
END;
CREATE TRIGGER review_counts_update AFTER UPDATE OF guild_id, published_at ON reviews BEGIN
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'year' AND period = substr(old.published_at, 1, 4);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'month' AND period = substr(old.published_at, 1, 7);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'day' AND period = substr(old.published_at, 1, 10);
    UPDATE review_counts SET n = n - 1
    WHERE guild_id = old.guild_id AND span = 'hour' AND period = substr(old.published_at, 1, 13);
    INSERT INTO review_counts (guild_id, span, period, n)
    VALUES (new.guild_id, 'year', substr(new.published_at, 1, 4), 1),
           (new.guild_id, 'month', substr(new.published_at, 1, 7), 1),
           (new.guild_id, 'day', substr(new.published_at, 1, 10), 1),
           (new.guild_id, 'hour', substr(new.published_at, 1, 13), 1)
    ON CONFLICT (guild_id, span, period) DO UPDATE SET n = n + 1;
END;
