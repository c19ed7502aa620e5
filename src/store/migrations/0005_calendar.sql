-- 0005: the working-day calendar (DESIGN.md "The resource engine": deadlines
-- in working days; issue 4 point 4).  One row per day that departs from the
-- Monday–Friday rule: 'holiday' = a day off (法定节假日及调休放假), 'workday' =
-- a Saturday or Sunday that is a make-up working day (调休上班).  Any other
-- date is a working day exactly when it falls on Monday–Friday.
--
-- Seeded from the State Council General Office's yearly notices
-- (国务院办公厅关于 20XX 年部分节假日安排的通知), issued each November or
-- December for the next year.  A break is seeded day by day as the notice
-- states it ("X 至 Y 放假"); where the notice only says "X 放假, 与周末连休"
-- just X is seeded (the weekend needs no row).  A notice's 元旦 break may
-- begin in the year before (2022-12-31, from the 2023 notice).
-- Checks made when seeding: every 'workday' row is a Saturday or Sunday, and
-- each year's weekday holidays minus its make-up days equal the statutory
-- days (11 for 2022–2024; 13 from 2025 under the 2024 revision of 全国年节及
-- 纪念日放假办法: 春节 gains 除夕, 劳动节 gains 5-02) — tests/unit/test_calendar.c
-- pins both.
--
-- 2027: its notice is not yet known here.  Only the statutory days are
-- seeded (元旦 01-01; 春节 除夕–初三 02-05..02-08; 清明 04-05; 劳动节
-- 05-01..02; 端午 06-09; 中秋 09-15; 国庆 10-01..03), marked
-- source = '暂定 (待国务院通知发布后核对)'.  Until an administrator enters the
-- published arrangement, statutory days that fall on a weekend have no
-- 补休 weekday and no make-up Saturdays exist, so 2027 deadlines may come a
-- day or two early.  Administrators edit the calendar through
-- PUT/DELETE /api/v1/calendar/:date (engine/calendar.c).
CREATE TABLE holidays (
    date   TEXT PRIMARY KEY,                                   -- 'YYYY-MM-DD'
    kind   TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name   TEXT NOT NULL,                                      -- '国庆节', '国庆节调休上班'
    source TEXT                                                -- the notice, or who entered it
);

-- A counter per cached service, bumped by triggers on every change to its
-- tables (the API, an import or an SQL console alike), so a server process
-- notices another process's edit at its next check (engine/gencache.c).  It
-- starts at a random value so two databases are unlikely to share one.
CREATE TABLE cache_generations (
    name       TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
-- @sqlite
INSERT INTO cache_generations (name, generation) VALUES ('calendar', abs(random() % 1000000000000));
-- @end
-- @postgres
INSERT INTO cache_generations (name, generation) VALUES ('calendar', CAST(floor(random() * 1e12) AS BIGINT));
-- @end

-- 2022
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '国务院办公厅关于2022年部分节假日安排的通知' FROM (VALUES
    ('2022-01-01', 'holiday', '元旦'),
    ('2022-01-02', 'holiday', '元旦'),
    ('2022-01-03', 'holiday', '元旦'),
    ('2022-01-29', 'workday', '春节调休上班'),
    ('2022-01-30', 'workday', '春节调休上班'),
    ('2022-01-31', 'holiday', '春节'),
    ('2022-02-01', 'holiday', '春节'),
    ('2022-02-02', 'holiday', '春节'),
    ('2022-02-03', 'holiday', '春节'),
    ('2022-02-04', 'holiday', '春节'),
    ('2022-02-05', 'holiday', '春节'),
    ('2022-02-06', 'holiday', '春节'),
    ('2022-04-02', 'workday', '清明节调休上班'),
    ('2022-04-03', 'holiday', '清明节'),
    ('2022-04-04', 'holiday', '清明节'),
    ('2022-04-05', 'holiday', '清明节'),
    ('2022-04-24', 'workday', '劳动节调休上班'),
    ('2022-04-30', 'holiday', '劳动节'),
    ('2022-05-01', 'holiday', '劳动节'),
    ('2022-05-02', 'holiday', '劳动节'),
    ('2022-05-03', 'holiday', '劳动节'),
    ('2022-05-04', 'holiday', '劳动节'),
    ('2022-05-07', 'workday', '劳动节调休上班'),
    ('2022-06-03', 'holiday', '端午节'),
    ('2022-06-04', 'holiday', '端午节'),
    ('2022-06-05', 'holiday', '端午节'),
    ('2022-09-10', 'holiday', '中秋节'),
    ('2022-09-11', 'holiday', '中秋节'),
    ('2022-09-12', 'holiday', '中秋节'),
    ('2022-10-01', 'holiday', '国庆节'),
    ('2022-10-02', 'holiday', '国庆节'),
    ('2022-10-03', 'holiday', '国庆节'),
    ('2022-10-04', 'holiday', '国庆节'),
    ('2022-10-05', 'holiday', '国庆节'),
    ('2022-10-06', 'holiday', '国庆节'),
    ('2022-10-07', 'holiday', '国庆节'),
    ('2022-10-08', 'workday', '国庆节调休上班'),
    ('2022-10-09', 'workday', '国庆节调休上班')) AS v;
-- 2023
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '国务院办公厅关于2023年部分节假日安排的通知' FROM (VALUES
    ('2022-12-31', 'holiday', '元旦'),
    ('2023-01-01', 'holiday', '元旦'),
    ('2023-01-02', 'holiday', '元旦'),
    ('2023-01-21', 'holiday', '春节'),
    ('2023-01-22', 'holiday', '春节'),
    ('2023-01-23', 'holiday', '春节'),
    ('2023-01-24', 'holiday', '春节'),
    ('2023-01-25', 'holiday', '春节'),
    ('2023-01-26', 'holiday', '春节'),
    ('2023-01-27', 'holiday', '春节'),
    ('2023-01-28', 'workday', '春节调休上班'),
    ('2023-01-29', 'workday', '春节调休上班'),
    ('2023-04-05', 'holiday', '清明节'),
    ('2023-04-23', 'workday', '劳动节调休上班'),
    ('2023-04-29', 'holiday', '劳动节'),
    ('2023-04-30', 'holiday', '劳动节'),
    ('2023-05-01', 'holiday', '劳动节'),
    ('2023-05-02', 'holiday', '劳动节'),
    ('2023-05-03', 'holiday', '劳动节'),
    ('2023-05-06', 'workday', '劳动节调休上班'),
    ('2023-06-22', 'holiday', '端午节'),
    ('2023-06-23', 'holiday', '端午节'),
    ('2023-06-24', 'holiday', '端午节'),
    ('2023-06-25', 'workday', '端午节调休上班'),
    ('2023-09-29', 'holiday', '中秋节、国庆节'),
    ('2023-09-30', 'holiday', '中秋节、国庆节'),
    ('2023-10-01', 'holiday', '中秋节、国庆节'),
    ('2023-10-02', 'holiday', '中秋节、国庆节'),
    ('2023-10-03', 'holiday', '中秋节、国庆节'),
    ('2023-10-04', 'holiday', '中秋节、国庆节'),
    ('2023-10-05', 'holiday', '中秋节、国庆节'),
    ('2023-10-06', 'holiday', '中秋节、国庆节'),
    ('2023-10-07', 'workday', '中秋节、国庆节调休上班'),
    ('2023-10-08', 'workday', '中秋节、国庆节调休上班')) AS v;
-- 2024
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '国务院办公厅关于2024年部分节假日安排的通知' FROM (VALUES
    ('2024-01-01', 'holiday', '元旦'),
    ('2024-02-04', 'workday', '春节调休上班'),
    ('2024-02-10', 'holiday', '春节'),
    ('2024-02-11', 'holiday', '春节'),
    ('2024-02-12', 'holiday', '春节'),
    ('2024-02-13', 'holiday', '春节'),
    ('2024-02-14', 'holiday', '春节'),
    ('2024-02-15', 'holiday', '春节'),
    ('2024-02-16', 'holiday', '春节'),
    ('2024-02-17', 'holiday', '春节'),
    ('2024-02-18', 'workday', '春节调休上班'),
    ('2024-04-04', 'holiday', '清明节'),
    ('2024-04-05', 'holiday', '清明节'),
    ('2024-04-06', 'holiday', '清明节'),
    ('2024-04-07', 'workday', '清明节调休上班'),
    ('2024-04-28', 'workday', '劳动节调休上班'),
    ('2024-05-01', 'holiday', '劳动节'),
    ('2024-05-02', 'holiday', '劳动节'),
    ('2024-05-03', 'holiday', '劳动节'),
    ('2024-05-04', 'holiday', '劳动节'),
    ('2024-05-05', 'holiday', '劳动节'),
    ('2024-05-11', 'workday', '劳动节调休上班'),
    ('2024-06-10', 'holiday', '端午节'),
    ('2024-09-14', 'workday', '中秋节调休上班'),
    ('2024-09-15', 'holiday', '中秋节'),
    ('2024-09-16', 'holiday', '中秋节'),
    ('2024-09-17', 'holiday', '中秋节'),
    ('2024-09-29', 'workday', '国庆节调休上班'),
    ('2024-10-01', 'holiday', '国庆节'),
    ('2024-10-02', 'holiday', '国庆节'),
    ('2024-10-03', 'holiday', '国庆节'),
    ('2024-10-04', 'holiday', '国庆节'),
    ('2024-10-05', 'holiday', '国庆节'),
    ('2024-10-06', 'holiday', '国庆节'),
    ('2024-10-07', 'holiday', '国庆节'),
    ('2024-10-12', 'workday', '国庆节调休上班')) AS v;
-- 2025
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '国务院办公厅关于2025年部分节假日安排的通知' FROM (VALUES
    ('2025-01-01', 'holiday', '元旦'),
    ('2025-01-26', 'workday', '春节调休上班'),
    ('2025-01-28', 'holiday', '春节'),
    ('2025-01-29', 'holiday', '春节'),
    ('2025-01-30', 'holiday', '春节'),
    ('2025-01-31', 'holiday', '春节'),
    ('2025-02-01', 'holiday', '春节'),
    ('2025-02-02', 'holiday', '春节'),
    ('2025-02-03', 'holiday', '春节'),
    ('2025-02-04', 'holiday', '春节'),
    ('2025-02-08', 'workday', '春节调休上班'),
    ('2025-04-04', 'holiday', '清明节'),
    ('2025-04-05', 'holiday', '清明节'),
    ('2025-04-06', 'holiday', '清明节'),
    ('2025-04-27', 'workday', '劳动节调休上班'),
    ('2025-05-01', 'holiday', '劳动节'),
    ('2025-05-02', 'holiday', '劳动节'),
    ('2025-05-03', 'holiday', '劳动节'),
    ('2025-05-04', 'holiday', '劳动节'),
    ('2025-05-05', 'holiday', '劳动节'),
    ('2025-05-31', 'holiday', '端午节'),
    ('2025-06-01', 'holiday', '端午节'),
    ('2025-06-02', 'holiday', '端午节'),
    ('2025-09-28', 'workday', '国庆节、中秋节调休上班'),
    ('2025-10-01', 'holiday', '国庆节、中秋节'),
    ('2025-10-02', 'holiday', '国庆节、中秋节'),
    ('2025-10-03', 'holiday', '国庆节、中秋节'),
    ('2025-10-04', 'holiday', '国庆节、中秋节'),
    ('2025-10-05', 'holiday', '国庆节、中秋节'),
    ('2025-10-06', 'holiday', '国庆节、中秋节'),
    ('2025-10-07', 'holiday', '国庆节、中秋节'),
    ('2025-10-08', 'holiday', '国庆节、中秋节'),
    ('2025-10-11', 'workday', '国庆节、中秋节调休上班')) AS v;
-- 2026
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '国务院办公厅关于2026年部分节假日安排的通知' FROM (VALUES
    ('2026-01-01', 'holiday', '元旦'),
    ('2026-01-02', 'holiday', '元旦'),
    ('2026-01-03', 'holiday', '元旦'),
    ('2026-01-04', 'workday', '元旦调休上班'),
    ('2026-02-14', 'workday', '春节调休上班'),
    ('2026-02-15', 'holiday', '春节'),
    ('2026-02-16', 'holiday', '春节'),
    ('2026-02-17', 'holiday', '春节'),
    ('2026-02-18', 'holiday', '春节'),
    ('2026-02-19', 'holiday', '春节'),
    ('2026-02-20', 'holiday', '春节'),
    ('2026-02-21', 'holiday', '春节'),
    ('2026-02-22', 'holiday', '春节'),
    ('2026-02-23', 'holiday', '春节'),
    ('2026-02-28', 'workday', '春节调休上班'),
    ('2026-04-04', 'holiday', '清明节'),
    ('2026-04-05', 'holiday', '清明节'),
    ('2026-04-06', 'holiday', '清明节'),
    ('2026-05-01', 'holiday', '劳动节'),
    ('2026-05-02', 'holiday', '劳动节'),
    ('2026-05-03', 'holiday', '劳动节'),
    ('2026-05-04', 'holiday', '劳动节'),
    ('2026-05-05', 'holiday', '劳动节'),
    ('2026-05-09', 'workday', '劳动节调休上班'),
    ('2026-06-19', 'holiday', '端午节'),
    ('2026-06-20', 'holiday', '端午节'),
    ('2026-06-21', 'holiday', '端午节'),
    ('2026-09-20', 'workday', '国庆节调休上班'),
    ('2026-09-25', 'holiday', '中秋节'),
    ('2026-09-26', 'holiday', '中秋节'),
    ('2026-09-27', 'holiday', '中秋节'),
    ('2026-10-01', 'holiday', '国庆节'),
    ('2026-10-02', 'holiday', '国庆节'),
    ('2026-10-03', 'holiday', '国庆节'),
    ('2026-10-04', 'holiday', '国庆节'),
    ('2026-10-05', 'holiday', '国庆节'),
    ('2026-10-06', 'holiday', '国庆节'),
    ('2026-10-07', 'holiday', '国庆节'),
    ('2026-10-10', 'workday', '国庆节调休上班')) AS v;
-- 2027
INSERT INTO holidays (date, kind, name, source)
SELECT column1, column2, column3, '暂定 (待国务院通知发布后核对)' FROM (VALUES
    ('2027-01-01', 'holiday', '元旦'),
    ('2027-02-05', 'holiday', '春节'),
    ('2027-02-06', 'holiday', '春节'),
    ('2027-02-07', 'holiday', '春节'),
    ('2027-02-08', 'holiday', '春节'),
    ('2027-04-05', 'holiday', '清明节'),
    ('2027-05-01', 'holiday', '劳动节'),
    ('2027-05-02', 'holiday', '劳动节'),
    ('2027-06-09', 'holiday', '端午节'),
    ('2027-09-15', 'holiday', '中秋节'),
    ('2027-10-01', 'holiday', '国庆节'),
    ('2027-10-02', 'holiday', '国庆节'),
    ('2027-10-03', 'holiday', '国庆节')) AS v;

-- @sqlite
CREATE TRIGGER holidays_gen_insert AFTER INSERT ON holidays
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
CREATE TRIGGER holidays_gen_update AFTER UPDATE ON holidays
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
CREATE TRIGGER holidays_gen_delete AFTER DELETE ON holidays
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'calendar';
END;
-- @end
-- @postgres
CREATE FUNCTION cache_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END;
$$;
CREATE TRIGGER holidays_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays
    FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump('calendar');
-- @end
