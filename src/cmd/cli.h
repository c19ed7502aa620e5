/* cli.h — operator commands: one function per command, dispatched from a
 * table in main.c (Redis-style).  Each returns the process exit status:
 * 0 success, 1 a failed check, 2 usage or environment error. */
#ifndef SFS_CLI_H
#define SFS_CLI_H
#include <stdbool.h>
#include <stdint.h>

typedef struct cli_opts {
    const char *db_url;
    const char *db_replica; /* serve: a hot standby for lists, statistics, scorecards */
    const char *listen;
    const char *web_root;
    const char *key_file;
    const char *tls_cert, *tls_key, *trusted_proxy;
    const char *public_listen; /* serve --public-listen: the portal's own listener */
    int workers, max_conns, header_timeout, idle_timeout;
    bool demo, quiet;
    const char *scale;
    /* remaining positional arguments after the command */
    int argc;
    char **argv;
} cli_opts_t;

/* Checks the entity declarations (entity_verify_all), opens the store named
 * by o->db_url and applies migrations; prints a one-line error per fault
 * (URL with password hidden) and returns NULL on failure. */
struct db *cli_open_store(const cli_opts_t *o);
int cmd_init(cli_opts_t *o);
int cmd_migrate(cli_opts_t *o);
int cmd_serve(cli_opts_t *o);
int cmd_user(cli_opts_t *o);
int cmd_scheduler(cli_opts_t *o);
int cmd_audit(cli_opts_t *o);
int cmd_check(cli_opts_t *o);
int cmd_backup(cli_opts_t *o);  /* backup_cmd.c */
int cmd_restore(cli_opts_t *o);
int cmd_generate(cli_opts_t *o); /* generate.c */
int cmd_routes(cli_opts_t *o);   /* serve.c */
int cmd_openapi(cli_opts_t *o);  /* openapi_cmd.c */

struct keys;
/* init's accounts (user_cmd.c): the first system administrator with a
 * one-time password, or the demo accounts. */
int init_first_admin(struct db *db, const struct keys *keys, int64_t org_id);
int init_demo_accounts(struct db *db, const struct keys *keys);
#endif
