-- 0001: the organisation tree (DESIGN.md "Organisation tree and data scope").
-- One tree from the city bureau (or, at national scale, the ministry and the
-- provincial bureaus) down to villages; each node stores its materialised
-- path '/1/4/57/' so a subtree is one indexed prefix range.
CREATE TABLE org_units (
    id          @PK@,
    parent_id   BIGINT REFERENCES org_units(id),
    path        @PATH@ NOT NULL,
    depth       INTEGER NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('nation','province','city','department','district','office','village')),
    type        TEXT,            -- 街道/乡镇/开发区 for offices, 村/居 for villages
    name        TEXT NOT NULL,
    code        TEXT,
    valid_from  TEXT NOT NULL DEFAULT '2022-01-01',
    valid_to    TEXT,
    created_at  @TS@ NOT NULL DEFAULT @NOW@
);
CREATE UNIQUE INDEX org_units_path ON org_units (path);
CREATE INDEX org_units_parent ON org_units (parent_id, id);
CREATE INDEX org_units_level_path ON org_units (level, path);
CREATE UNIQUE INDEX org_units_code ON org_units (code);
