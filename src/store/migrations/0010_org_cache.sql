-- 0010: the organisation tree is served from a process-wide snapshot
-- (src/modules/org_units.c, engine/gencache.h; issue 2 "Reaches").  Every
-- change to org_units bumps its generation, so a server notices an edit made
-- by another process (the CLI, a second server) within GENCACHE_CHECK_MS.
-- @sqlite
INSERT INTO cache_generations (name, generation) VALUES ('org_units', abs(random() % 1000000000000));
CREATE TRIGGER org_units_gen_insert AFTER INSERT ON org_units
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'org_units';
END;
CREATE TRIGGER org_units_gen_update AFTER UPDATE ON org_units
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'org_units';
END;
CREATE TRIGGER org_units_gen_delete AFTER DELETE ON org_units
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'org_units';
END;
-- @end
-- @postgres
INSERT INTO cache_generations (name, generation) VALUES ('org_units', CAST(floor(random() * 1e12) AS BIGINT));
CREATE TRIGGER org_units_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump('org_units');
-- @end
