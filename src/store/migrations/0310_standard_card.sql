-- 0310: the rendered scorecard of a unit on a stored date, kept in the store
-- (issue 26 point 4; src/modules/standards.c get_scorecard).  PostgreSQL
-- only: there a scorecard read from the roll-up is one statement that probes
-- some fifty rows (60–90 µs of execution for the city), a stored card one
-- row.  A card is valid while the generations it was rendered at are the
-- current ones: 'standards' moves with every transaction that writes results
-- or roll-ups (a refresh in a register write, the daily computation, a
-- rebuild, a prune), 'org_units' with every change of the tree (names,
-- levels), and `shape` is the rules' declaration of the binary that rendered
-- it.  So a write never has to find the cards it changes, and a card read
-- in the same snapshot as those generations is never stale.  'standards' is
-- bumped by the writers of results in C (standards.c cards_stale), once a
-- transaction: a statement trigger would update the row once per result
-- written, and a row updated again and again in one transaction leaves a
-- version per update that each later update walks past.  SQLite reads its
-- roll-up in microseconds and keeps no cards.
-- @postgres
CREATE TABLE standard_card (
    org_id   BIGINT NOT NULL,
    as_of    TEXT NOT NULL,
    gen      BIGINT NOT NULL,
    org_gen  BIGINT NOT NULL,
    shape    BIGINT NOT NULL,
    body     TEXT NOT NULL,
    PRIMARY KEY (org_id, as_of)
);
INSERT INTO cache_generations (name, generation) VALUES ('standards', CAST(floor(random() * 1e12) AS BIGINT));
-- @end
