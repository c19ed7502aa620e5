/* backup_cmd.c — `sifasuo backup --to FILE [--force]` and
 * `sifasuo restore --from FILE` (issue 9 point 7; docs/operations.md 6–7).
 *
 * SQLite: the online backup API (store/backup.c) — consistent while the
 * server keeps writing; restore checks the file, refuses while a server
 * holds the store and keeps the previous file aside.
 * PostgreSQL: the standard tools, run without a shell — backup is
 * `pg_dump --format=custom`; restore is `pg_restore --single-transaction`
 * into an EMPTY database (the operator creates it; the live one is never
 * overwritten), after which SIFASUO_DB is pointed at it.  The password is
 * handed to them in PGPASSWORD, never on a command line others can read. */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/migrations.h"

static bool is_sqlite(const char *url) { return strncmp(url, "sqlite:", 7) == 0; }

/* Parses "--NAME FILE" (or --NAME=FILE) and an optional --force from the
 * command's own arguments.  0, or 2 after printing the usage. */
static int parse_file_arg(cli_opts_t *o, const char *name, const char *usage, const char **file, bool *force) {
    size_t nl = strlen(name);
    *file = NULL;
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        if (strcmp(a, name) == 0 && i + 1 < o->argc)
            *file = o->argv[++i];
        else if (strncmp(a, name, nl) == 0 && a[nl] == '=')
            *file = a + nl + 1;
        else if (force && strcmp(a, "--force") == 0)
            *force = true;
        else {
            fprintf(stderr, "未知参数: %s\n用法: %s\n", a, usage);
            return 2;
        }
    }
    if (!*file || !**file) {
        fprintf(stderr, "用法: %s\n", usage);
        return 2;
    }
    return 0;
}

static void show_progress(int done, int total) {
    if (isatty(2) && total > 0) fprintf(stderr, "\r备份中 %3d%%", (int)(100LL * done / total));
}

/* Splits a PostgreSQL URL into a conninfo string without the password and
 * the password (empty when none).  0 or -1. */
static int pg_split_url(const char *url, char *conninfo, size_t n, char *password, size_t pn) {
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        PQfreemem(perr);
        return -1;
    }
    size_t used = 0;
    conninfo[0] = password[0] = '\0';
    for (PQconninfoOption *p = opts; p->keyword; p++) {
        if (!p->val || !*p->val) continue;
        if (strcmp(p->keyword, "password") == 0) {
            snprintf(password, pn, "%s", p->val);
            continue;
        }
        /* key='value' with ' and \ escaped, as libpq reads it */
        used += (size_t)snprintf(conninfo + used, used < n ? n - used : 0, "%s%s='", used ? " " : "", p->keyword);
        for (const char *c = p->val; *c && used + 3 < n; c++) {
            if (*c == '\'' || *c == '\\') conninfo[used++] = '\\';
            conninfo[used++] = *c;
        }
        if (used + 2 < n) {
            conninfo[used++] = '\'';
            conninfo[used] = '\0';
        }
    }
    PQconninfoFree(opts);
    return used + 2 < n ? 0 : -1;
}

/* Runs a PostgreSQL client tool (argv[0] found on PATH) with the password
 * of url in its environment (quiet: its stdout discarded).  Returns its exit status, or -1 when it could
 * not be started (message printed). */
static int run_pg_tool(char *const argv[], const char *password, bool quiet) {
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "无法启动 %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (*password) setenv("PGPASSWORD", password, 1);
        int null = quiet ? open("/dev/null", O_WRONLY) : -1;
        if (null >= 0) dup2(null, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "无法运行 %s: %s (请安装 postgresql-client-15)\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int pg_backup(const char *url, const char *to, bool force) {
    char conninfo[2048], password[512], tmp[4200], arg_file[4300];
    if (pg_split_url(url, conninfo, sizeof(conninfo), password, sizeof(password)) != 0) {
        fprintf(stderr, "数据库地址无法解析\n");
        return 2;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", to, (long)getpid());
    snprintf(arg_file, sizeof(arg_file), "--file=%s", tmp);
    char *argv[] = {"pg_dump", "--format=custom", "--no-password", arg_file, conninfo, NULL};
    mode_t old = umask(077);
    int rc = run_pg_tool(argv, password, false);
    umask(old);
    if (rc != 0) {
        unlink(tmp);
        fprintf(stderr, "备份失败: pg_dump 退出码 %d\n", rc);
        return 1;
    }
    if (fsync_path(tmp) != 0 || (force ? rename(tmp, to) : link(tmp, to)) != 0) {
        fprintf(stderr, errno == EEXIST ? "目标文件已存在: %s (确需覆盖请加 --force)\n" : "无法写入 %s\n", to);
        unlink(tmp);
        return 1;
    }
    if (!force) unlink(tmp);
    return 0;
}

static int pg_restore_into_empty(const char *url, const char *from) {
    char conninfo[2048], password[512], err[640];
    if (access(from, R_OK) != 0) {
        fprintf(stderr, "无法读取 %s: %s\n", from, strerror(errno));
        return 2;
    }
    if (pg_split_url(url, conninfo, sizeof(conninfo), password, sizeof(password)) != 0) {
        fprintf(stderr, "数据库地址无法解析\n");
        return 2;
    }
    db_t *db = NULL;
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int64_t tables =
        db_query_int(db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'", -1);
    db_close(db);
    if (tables != 0) {
        fprintf(stderr,
                "目标数据库不是空库 (已有 %lld 张表): 恢复只写入新建的空数据库, 正在使用的库不会被覆盖。\n"
                "请先 createdb 一个新库, 用 --db 指向它\n",
                (long long)tables);
        return 1;
    }
    char arg_db[2100];
    snprintf(arg_db, sizeof(arg_db), "--dbname=%s", conninfo);
    char *list[] = {"pg_restore", "--list", (char *)from, NULL};
    int rc = run_pg_tool(list, password, true); /* the table of contents is not for the operator */
    if (rc != 0) {
        fprintf(stderr, "%s 不是 pg_dump --format=custom 的备份文件\n", from);
        return 1;
    }
    char *argv[] = {"pg_restore", "--exit-on-error", "--single-transaction", "--no-password", arg_db, (char *)from,
                    NULL};
    rc = run_pg_tool(argv, password, false);
    if (rc != 0) {
        fprintf(stderr, "恢复失败: pg_restore 退出码 %d (单一事务, 目标库未写入任何数据)\n", rc);
        return 1;
    }
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int64_t v = db_query_int(db, "SELECT MAX(version) FROM schema_migrations", -1);
    db_close(db);
    int newest = 0;
    for (const migration_t *m = migrations; m->version; m++)
        if (m->version > newest) newest = m->version;
    if (v < 0) {
        fprintf(stderr, "%s 不是本平台的数据库 (没有迁移记录 schema_migrations)\n", from);
        return 1;
    }
    if (v > newest) {
        fprintf(stderr, "已恢复, 但数据库结构 (版本 %lld) 比本程序 (版本 %d) 新: 请用新版程序运行\n", (long long)v,
                newest);
        return 1;
    }
    return 0;
}

int cmd_backup(cli_opts_t *o) {
    const char *to;
    bool force = false;
    if (parse_file_arg(o, "--to", "sifasuo backup --to 文件 [--force] [--db URL]", &to, &force)) return 2;
    int rc;
    if (is_sqlite(o->db_url)) {
        char err[1024];
        rc = sqlite_backup_to(o->db_url + 7, to, force, show_progress, err, sizeof(err)) == 0 ? 0 : 1;
        if (isatty(2)) fprintf(stderr, "\n");
        if (rc) fprintf(stderr, "%s\n", err);
    } else {
        rc = pg_backup(o->db_url, to, force);
    }
    if (rc == 0) {
        struct stat st;
        printf("备份完成: %s (%lld 字节)\n", to, stat(to, &st) == 0 ? (long long)st.st_size : 0LL);
        printf("请核对并登记审计链头: sifasuo audit verify --db %s%s\n", is_sqlite(o->db_url) ? "sqlite:" : "",
               is_sqlite(o->db_url) ? to : "<恢复后的库>");
    }
    return rc;
}

int cmd_restore(cli_opts_t *o) {
    const char *from;
    if (parse_file_arg(o, "--from", "sifasuo restore --from 文件 [--db URL]", &from, NULL)) return 2;
    if (!is_sqlite(o->db_url)) {
        int rc = pg_restore_into_empty(o->db_url, from);
        if (rc == 0) printf("已恢复到 %s 指定的数据库; 请运行 sifasuo audit verify 核对审计链头\n", "--db");
        return rc;
    }
    char err[1024], aside[4400];
    if (sqlite_restore_from(from, o->db_url + 7, aside, sizeof(aside), err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("已恢复: %s\n", o->db_url + 7);
    if (aside[0]) printf("原数据库已改名保留: %s\n", aside);
    printf("请运行 sifasuo audit verify 核对审计链头, 再启动服务\n");
    return 0;
}
