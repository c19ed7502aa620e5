/* backup.c — SQLite online backup, the restore check and the serve lock
 * (contracts in backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/backup.h"
#include "store/fts_scope.h"
#include "store/migrations.h"

#define BACKUP_STEP_PAGES 1024

int fsync_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* fsyncs the folder holding path, so a rename in it is durable. */
static int fsync_parent(const char *path) {
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s", path);
    return fsync_path(dirname(copy));
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Removes "<path>-wal" and "<path>-shm" (leftovers of another database
 * would be replayed into the new file). */
static void remove_sidecars(const char *path) {
    char p[4200];
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

int sqlite_backup_to(const char *src, const char *dst, bool force, backup_progress_fn progress, char *err,
                     size_t errlen) {
    if (!force && exists(dst)) {
        snprintf(err, errlen, "目标文件已存在: %s (确需覆盖请加 --force)", dst);
        return -1;
    }
    if (!exists(src)) {
        snprintf(err, errlen, "数据库文件不存在: %s", src);
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid());
    unlink(tmp);
    remove_sidecars(tmp);
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b = NULL;
    int rc = -1;
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "无法打开数据库 %s: %s", src, from ? sqlite3_errmsg(from) : "内存不足");
        goto out;
    }
    sqlite3_busy_timeout(from, 5000);
    /* one read transaction for the whole copy: the snapshot of one instant,
     * and the copy never restarts however much the server writes meanwhile */
    if (sqlite3_exec(from, "BEGIN; SELECT COUNT(*) FROM sqlite_schema;", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "无法读取数据库 %s: %s", src, sqlite3_errmsg(from));
        goto out;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); /* personal information: 0600 from the start */
    if (fd < 0 || close(fd) != 0 || sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "无法创建备份文件 %s: %s", tmp, to ? sqlite3_errmsg(to) : strerror(errno));
        goto out;
    }
    b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        snprintf(err, errlen, "备份失败: %s", sqlite3_errmsg(to));
        goto out;
    }
    int step;
    do {
        step = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
        if (progress) progress(sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b), sqlite3_backup_pagecount(b));
        if (step == SQLITE_BUSY || step == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED);
    int fin = sqlite3_backup_finish(b);
    b = NULL;
    if (step != SQLITE_DONE || fin != SQLITE_OK) {
        snprintf(err, errlen, "备份失败: %s", sqlite3_errstr(step != SQLITE_DONE ? step : fin));
        goto out;
    }
    /* the copy carries the source's WAL flag: make it one self-contained file */
    char *msg = NULL;
    if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE;", NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "备份失败: %s", msg ? msg : sqlite3_errmsg(to));
        sqlite3_free(msg);
        goto out;
    }
    if (sqlite3_close(to) != SQLITE_OK) {
        snprintf(err, errlen, "备份失败: 无法关闭 %s", tmp);
        goto out;
    }
    to = NULL;
    if (fsync_path(tmp) != 0) {
        snprintf(err, errlen, "备份失败: 无法写入磁盘 %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (force) {
        remove_sidecars(dst);
        if (rename(tmp, dst) != 0) {
            snprintf(err, errlen, "无法写入 %s: %s", dst, strerror(errno));
            goto out;
        }
    } else {
        /* link() never replaces: a file that appeared meanwhile is kept */
        if (link(tmp, dst) != 0) {
            snprintf(err, errlen, errno == EEXIST ? "目标文件已存在: %s (确需覆盖请加 --force)" : "无法写入 %s", dst);
            goto out;
        }
        unlink(tmp);
    }
    fsync_parent(dst);
    rc = 0;
out:
    if (b) sqlite3_backup_finish(b);
    if (to) sqlite3_close(to);
    if (from) sqlite3_close(from); /* ends the read transaction */
    if (rc != 0) {
        unlink(tmp);
        remove_sidecars(tmp);
    }
    return rc;
}

static int newest_compiled_migration(void) {
    int v = 0;
    for (const migration_t *m = migrations; m->version; m++)
        if (m->version > v) v = m->version;
    return v;
}

int sqlite_backup_check(const char *path, int *version, char *err, size_t errlen) {
    char head[16] = "";
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "无法读取 %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    if (n != sizeof(head) || memcmp(head, "SQLite format 3", 16) != 0) {
        snprintf(err, errlen, "%s 不是 SQLite 数据库文件", path);
        return -1;
    }
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "无法打开 %s: %s", path, h ? sqlite3_errmsg(h) : "内存不足");
        goto out;
    }
    fts_scope_register(h); /* an SQLite that checks FTS5 tables too needs their tokenizer */
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        snprintf(err, errlen, "%s 已损坏 (integrity_check: %s)", path,
                 st && sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(h));
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT MAX(version) FROM schema_migrations", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
        snprintf(err, errlen, "%s 不是本平台的数据库 (没有迁移记录 schema_migrations)", path);
        goto out;
    }
    int v = sqlite3_column_int(st, 0), newest = newest_compiled_migration();
    if (v > newest) {
        snprintf(err, errlen, "%s 的数据库结构 (版本 %d) 比本程序 (版本 %d) 新, 请用新版程序恢复", path, v, newest);
        goto out;
    }
    *version = v;
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(h);
    return rc;
}

/* Renames path (and its -wal/-shm) to "<path><suffix>"; 0 or -1. */
static int move_aside(const char *path, const char *suffix) {
    static const char *const parts[] = {"", "-wal", "-shm", NULL};
    for (int i = 0; parts[i]; i++) {
        char from[4200], to[4300];
        snprintf(from, sizeof(from), "%s%s", path, parts[i]);
        snprintf(to, sizeof(to), "%s%s%s", path, suffix, parts[i]);
        if (rename(from, to) != 0 && errno != ENOENT) return -1;
    }
    return 0;
}

int sqlite_restore_from(const char *src, const char *dst, char *aside, size_t asidelen, char *err, size_t errlen) {
    int version;
    aside[0] = '\0';
    if (sqlite_backup_check(src, &version, err, errlen) != 0) return -1;
    int lock = -1, rc = -1;
    if (exists(dst)) {
        lock = open(dst, O_RDONLY | O_CLOEXEC);
        if (lock < 0) {
            snprintf(err, errlen, "无法打开 %s: %s", dst, strerror(errno));
            return -1;
        }
        if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
            snprintf(err, errlen, "服务正在使用数据库 %s, 请先停止服务 (systemctl stop sifasuo) 再恢复", dst);
            close(lock);
            return -1;
        }
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.restore-%ld", dst, (long)getpid());
    if (sqlite_backup_to(src, tmp, true, NULL, err, errlen) != 0) goto out;
    if (lock >= 0) {
        char suffix[64];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(suffix, sizeof(suffix), ".before-restore-%Y%m%dT%H%M%SZ", &tm);
        if (move_aside(dst, suffix) != 0) {
            snprintf(err, errlen, "无法把原数据库改名保留: %s", strerror(errno));
            unlink(tmp);
            goto out;
        }
        snprintf(aside, asidelen, "%s%s", dst, suffix);
    }
    if (rename(tmp, dst) != 0) {
        snprintf(err, errlen, "无法写入 %s: %s", dst, strerror(errno));
        unlink(tmp);
        goto out;
    }
    fsync_parent(dst);
    rc = 0;
out:
    if (lock >= 0) close(lock);
    return rc;
}

int sqlite_hold_serve_lock(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        return -2;
    }
    /* never closed: closing a descriptor of the file would also drop
     * SQLite's fcntl() locks in this process */
    return 0;
}
