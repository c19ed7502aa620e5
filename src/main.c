/* main.c — the sifasuo binary: the server and every operator command.
 * Commands are a table (name, handler, summary); global flags come before or
 * after the command.  Usage errors print usage on stderr and exit 2. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "modules/modules.h"

#define SIFASUO_VERSION "0.1.0"

typedef struct command {
    const char *name;
    int (*fn)(cli_opts_t *o);
    const char *summary;
} command_t;

static int cmd_help(cli_opts_t *o);
static int cmd_version(cli_opts_t *o) {
    printf("sifasuo %s\n", SIFASUO_VERSION);
    return 0;
}

static const command_t commands[] = {
    {"help", cmd_help, "显示本帮助"},
    {"version", cmd_version, "显示版本"},
    {"init", cmd_init, "创建数据库 (--demo 载入演示数据, --scale nation 全国规模)"},
    {"migrate", cmd_migrate, "应用数据库迁移"},
    {"serve", cmd_serve, "启动服务 [--listen 地址:端口] [--workers N]"},
    {"user", cmd_user, "账户管理: user add|passwd|disable|enable|list"},
    {"scheduler", cmd_scheduler, "立即执行一次到期检查与督办升级"},
    {"check", cmd_check, "规范化指标核查: check [--org ID] [--as-of 日期] [--format table|json] [--rebuild]"},
    {"audit", cmd_audit, "审计日志: audit verify | audit purge --before 日期"},
    {"backup", cmd_backup, "备份数据库: backup --to 文件 [--force] (SQLite 在线备份; PostgreSQL 用 pg_dump)"},
    {"restore", cmd_restore, "恢复数据库: restore --from 文件 (须先停止服务; PostgreSQL 恢复到新建的空库)"},
    {"routes", cmd_routes, "列出接口路由表 (方法、路径、是否公众门户接口)"},
    {"generate", cmd_generate, "生成规模测试数据: generate <种类> --count N [--batch N] [--bulk]"},
    {"openapi", cmd_openapi, "输出接口说明 (OpenAPI 3.1 JSON, 由路由表与业务声明生成)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fprintf(f, "用法: sifasuo <命令> [选项]\n\n命令:\n");
    for (const command_t *c = commands; c->name; c++) fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n通用选项:\n"
               "  --db URL          数据库: sqlite:路径 (默认 sqlite:var/sifasuo.db) 或 postgresql://…\n"
               "  --db-replica URL  serve: 列表、统计、评分可读的 PostgreSQL 热备库 (也可用 SIFASUO_DB_REPLICA)\n"
               "  --listen A:P      监听地址 (默认 127.0.0.1:8080; 端口 0 由系统分配)\n"
               "  --workers N       工作线程数 (默认: SQLite 为 CPU 核数, PostgreSQL 为核数的 4 倍, 至多 64)\n"
               "  --web-root DIR    前端文件目录 (默认 web/dist)\n"
               "  --max-conns N     最大连接数 (默认 4096)\n"
               "  --header-timeout N  请求头须在 N 秒内收完 (默认 10)\n"
               "  --idle-timeout N  空闲连接 N 秒后关闭 (默认 30)\n"
               "  --key-file PATH   密钥文件 (默认 var/keys)\n"
               "  --tls-cert F --tls-key F  启用 HTTPS\n"
               "  --trusted-proxy IP  来自该反向代理的请求以 X-Real-IP 作为客户端地址\n"
               "  --public-listen A:P  公众门户监听地址: 只提供 /public/ 下的页面和接口 (docs/portal.md)\n"
               "  --quiet           不写访问日志\n");
}

static int cmd_help(cli_opts_t *o) {
    usage(stdout);
    return 0;
}

/* Commands with flags of their own (user add --username …) get them as
 * positional arguments; every other command refuses unknown flags. */
static bool command_parses_own_flags(const char *cmd) {
    static const char *const own[] = {"user", "audit", "backup", "restore", "generate", "check", "import", "export", NULL};
    for (int i = 0; own[i]; i++)
        if (strcmp(cmd, own[i]) == 0) return true;
    return false;
}

/* Parses flags into o; positional arguments are collected into o->argv.
 * Returns 0, or 2 after printing what was wrong. */
static int parse_flags(int argc, char **argv, cli_opts_t *o, const char **command) {
    static char *pos[64];
    o->argv = pos;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **sval = NULL;
        int *ival = NULL;
        if (strcmp(a, "--db") == 0) sval = &o->db_url;
        else if (strcmp(a, "--db-replica") == 0) sval = &o->db_replica;
        else if (strcmp(a, "--listen") == 0) sval = &o->listen;
        else if (strcmp(a, "--web-root") == 0) sval = &o->web_root;
        else if (strcmp(a, "--key-file") == 0) sval = &o->key_file;
        else if (strcmp(a, "--tls-cert") == 0) sval = &o->tls_cert;
        else if (strcmp(a, "--tls-key") == 0) sval = &o->tls_key;
        else if (strcmp(a, "--trusted-proxy") == 0) sval = &o->trusted_proxy;
        else if (strcmp(a, "--public-listen") == 0) sval = &o->public_listen;
        else if (strcmp(a, "--scale") == 0) sval = &o->scale;
        else if (strcmp(a, "--workers") == 0) ival = &o->workers;
        else if (strcmp(a, "--max-conns") == 0) ival = &o->max_conns;
        else if (strcmp(a, "--header-timeout") == 0) ival = &o->header_timeout;
        else if (strcmp(a, "--idle-timeout") == 0) ival = &o->idle_timeout;
        else if (strcmp(a, "--demo") == 0) {
            o->demo = true;
            continue;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        } else if (a[0] == '-' && !(*command && command_parses_own_flags(*command))) {
            fprintf(stderr, "未知选项: %s\n\n", a);
            usage(stderr);
            return 2;
        } else if (!*command) {
            *command = a;
            continue;
        } else {
            if (o->argc < 63) pos[o->argc++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "选项 %s 需要一个值\n", a);
            return 2;
        }
        if (sval) *sval = argv[++i];
        if (ival) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000) {
                fprintf(stderr, "选项 %s 的值无效: %s\n", a, argv[i]);
                return 2;
            }
            *ival = (int)v;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    cli_opts_t o = {
        .db_url = getenv("SIFASUO_DB") ? getenv("SIFASUO_DB") : "sqlite:var/sifasuo.db",
        .db_replica = getenv("SIFASUO_DB_REPLICA") && *getenv("SIFASUO_DB_REPLICA") ? getenv("SIFASUO_DB_REPLICA") : NULL,
        .listen = "127.0.0.1:8080",
        .web_root = "web/dist",
        .key_file = getenv("SIFASUO_KEY_FILE") ? getenv("SIFASUO_KEY_FILE") : "var/keys",
        .max_conns = 4096,
        .header_timeout = 10,
        .idle_timeout = 30,
    };
    const char *command = NULL;
    modules_perms_register(); /* every command that seeds roles sees every permission */
    int rc = parse_flags(argc, argv, &o, &command);
    if (rc) return rc;
    if (!command) {
        usage(stderr);
        return 2;
    }
    for (const command_t *c = commands; c->name; c++)
        if (strcmp(c->name, command) == 0) return c->fn(&o);
    fprintf(stderr, "未知命令: %s\n\n", command);
    usage(stderr);
    return 2;
}
