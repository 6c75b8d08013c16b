-- The full-text indexes take each review's words as it is written, not into a pending list.
--
-- A GIN index's pending list is read whole by every search until VACUUM merges it, and the
-- planner, counting it, turns away from the index to reading reviews newest first and
-- checking each: for a word no review holds, that is every review. A review is written once
-- and searched for many times, so the write pays.
ALTER INDEX reviews_title_words SET (fastupdate = off);
ALTER INDEX review_bodies_words SET (fastupdate = off);
SELECT gin_clean_pending_list('reviews_title_words'::regclass);
SELECT gin_clean_pending_list('review_bodies_words'::regclass);
