-- 0075: the sequences behind records' numbers (entity_t.number, engine/numbers.c;
-- issue 15 point 8): the last number taken per entity, office and year.  A
-- create (or the named transition) upserts its row inside its own
-- transaction, so numbers are gap-free and unique on both stores.
CREATE TABLE number_seq (
    entity TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    year   INTEGER NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (entity, org_id, year)
);
