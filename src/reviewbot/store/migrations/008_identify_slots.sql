-- Discord lets a bot open `max_concurrency` gateway sessions (IDENTIFY) per five seconds, one per
-- bucket (shard id modulo max_concurrency), across all its processes. A process takes its
-- bucket's slot here, under the write lock, before it identifies; every process sees the others'.
CREATE TABLE identify_slots (
    bucket   INTEGER PRIMARY KEY,
    taken_at TEXT    NOT NULL, -- when the bucket's last IDENTIFY was let go
    shard_id INTEGER NOT NULL  -- the shard that took it
);
