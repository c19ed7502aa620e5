"""Point-in-time restore drill (issue 26 point 5, docs/operations.md §7.5):
scripts/pg-pitr-drill.sh starts its own PostgreSQL with WAL archiving, takes
a base backup after `sifasuo init`, creates accounts, notes the time, creates
more, loses the primary and restores the base backup plus the archived WAL
to the noted time.  The accounts of before are there, those of after are
not, and the restored audit chain verifies."""
import os
import subprocess

from harness import BIN, ROOT, only


@only("postgres", "时间点恢复 (pg_basebackup + WAL 归档) 是 PostgreSQL 的; SQLite 见 backup/restore")
def test_pitr_drill_restores_to_the_noted_time(ctx):
    r = subprocess.run([os.path.join(ROOT, "scripts", "pg-pitr-drill.sh"), "drill"], capture_output=True,
                       text=True, timeout=600, cwd=ROOT, env=dict(os.environ, SIFASUO_BIN=BIN))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 accounts, restored 3; written after: 3 accounts, restored 0" in r.stdout, r.stdout
    assert "审计链校验通过" in r.stdout, r.stdout
