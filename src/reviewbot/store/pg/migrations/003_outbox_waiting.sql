-- The post queue's waiting rows in order, apart from the rows it finished.
--
-- Finished rows stay (for `/review status`), and every new post adds one, oldest first: taking
-- the oldest waiting rows in order of the whole table's key walks past every finished row
-- first, which grows with all the bot has ever posted.
CREATE INDEX outbox_waiting ON outbox (id) WHERE state = 'waiting';
