-- Typo tolerance moves into memory: each process keeps the distinct words of every title, with
-- the spellings that find words a typo or two away, and needs only the words themselves here.
-- They are numbered in the order first stored, so a process catches up with words another one
-- stored by reading those numbered past the last it has. Words are never removed: one left by
-- a deleted title only offers a spelling no title answers to.
CREATE TABLE title_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT    NOT NULL UNIQUE
);

-- The words the title index holds, as its tokenizer made them.
CREATE VIRTUAL TABLE temp.title_vocabulary USING fts5vocab(main, 'title_fts', 'row');
INSERT INTO title_terms (term) SELECT term FROM temp.title_vocabulary ORDER BY term;
DROP TABLE temp.title_vocabulary;

DROP TABLE title_term_variants;
