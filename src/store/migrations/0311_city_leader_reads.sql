-- 0311: 市局领导 reads and counts, never writes (auth/roles.c: the role's
-- description, 全市数据只读与统计, and issue 16 point 10).  The lines after
-- mediation listed city_leader among their default roles, so a store seeded
-- before this migration granted the leader create, update, delete, import
-- and every workflow action there.  Those grants are taken back here; a
-- permission that reads (.read, .export, .stats) stays.  From now on the
-- seeding itself never gives a read-only role a permission that writes.
DELETE FROM role_permissions
 WHERE role_id IN (SELECT id FROM roles WHERE key = 'city_leader')
   AND perm NOT LIKE '%.read' AND perm NOT LIKE '%.export' AND perm NOT LIKE '%.stats';
