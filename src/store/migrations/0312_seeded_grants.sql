-- 0312: a permission's default roles are seeded per (permission, role)
-- pair, not per permission (auth/roles.c roles_seed).  seeded_permissions
-- recorded only that a permission's defaults had been applied once, so a
-- role added to a permission's default list later (issue 16 gave 市局领导
-- the mediation reads) never reached a store seeded before.  A pair
-- recorded here has been granted once (or, on the first start after this
-- migration, judged); it is never granted again, so a grant the security
-- administrator revoked in 角色管理 stays revoked.  The table starts empty:
-- the first start after this migration finds seeded_permissions rows and no
-- pairs, and applies the upgrade rule of docs/security.md 附录 B.
CREATE TABLE seeded_grants (
    perm     TEXT NOT NULL,
    role_key TEXT NOT NULL,
    PRIMARY KEY (perm, role_key)
);
