/* registry.c — the table of declared entities and their permissions, and
 * the check of the declarations at start (entity_verify_all).
 *
 * Registration only records: a declaration is checked once every module has
 * registered, because some of its items name others (a ref target, another
 * entity's name or table).  Like Redis's check of its command table, the
 * check runs before the store is opened and a fault stops the command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/generate.h"
#include "util/vec.h"

/* Grows as modules register (at start, before any worker runs). */
static const entity_t **entities;
static int nentities, entities_cap;

/* Each entity gets <perm>.read/create/update/delete/restore, and one per
 * workflow action, granted by default to the entity's roles. */
static void register_perms(const entity_t *e) {
    static const struct {
        const char *action, *label;
    } std[] = {{"read", "查看"}, {"create", "新建"}, {"update", "修改"}, {"delete", "删除"}, {"restore", "恢复已删除"},
               {"export", "导出"}, {"import", "导入"}};
    /* every version's actions: a record begun under an old version can still finish */
    size_t nflow = 0;
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++)
            for (const wf_transition_t *t = (*w)->transitions; t->action; t++) nflow++;
    if (!e->perm) return; /* entity_verify_all refuses the declaration */
    perm_def_t *defs = calloc(sizeof(std) / sizeof(std[0]) + nflow + 2, sizeof(perm_def_t));
    if (!defs) abort();
    size_t n = 0;
    if (e->protected_) { /* access.c: the institution's reading of its scope */
        char key[128], label[256];
        snprintf(key, sizeof(key), "%s.read_protected", e->perm);
        snprintf(label, sizeof(label), "不经紧急调阅查看辖区内的%s", e->label);
        defs[n].key = strdup(key);
        defs[n].label = strdup(label);
        defs[n].defaults = e->protected_roles;
        n++;
    }
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
        char key[128], label[256];
        snprintf(key, sizeof(key), "%s.%s", e->perm, std[i].action);
        snprintf(label, sizeof(label), "%s%s", std[i].label, e->label);
        defs[n].key = strdup(key);
        defs[n].label = strdup(label);
        /* restore is an administrator's act: district admins by default */
        defs[n].defaults = strcmp(std[i].action, "restore") == 0 ? "district_admin" : e->roles;
        if (e->read_roles && (strcmp(std[i].action, "read") == 0 || strcmp(std[i].action, "export") == 0)) {
            size_t l = strlen(e->roles ? e->roles : "") + strlen(e->read_roles) + 2;
            char *both = malloc(l); /* lives as long as the permission table */
            if (!both) abort();
            snprintf(both, l, "%s %s", e->roles ? e->roles : "", e->read_roles);
            defs[n].defaults = both;
        }
        n++;
    }
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++)
            for (const wf_transition_t *t = (*w)->transitions; t->action; t++) {
                char key[128], label[256];
                if (t->perm) snprintf(key, sizeof(key), "%s", t->perm);
                else snprintf(key, sizeof(key), "%s.%s", e->perm, t->action);
                bool seen = perm_find(key) != NULL;
                for (size_t k = 0; k < n && !seen; k++) seen = strcmp(defs[k].key, key) == 0;
                if (seen) continue;
                snprintf(label, sizeof(label), "%s: %s", e->label, t->label);
                defs[n].key = strdup(key);
                defs[n].label = strdup(label);
                defs[n].defaults = e->roles;
                n++;
            }
    perm_register(defs);
}

void entity_register(const entity_t *e) {
    for (int i = 0; i < nentities; i++)
        if (entities[i] == e) return;
    entities = vec_reserve(entities, nentities, &entities_cap, sizeof(*entities), 32);
    entities[nentities++] = e;
    register_perms(e);
}

const entity_t *entity_find(const char *name) {
    for (int i = 0; i < nentities; i++)
        if (entities[i]->name && name && strcmp(entities[i]->name, name) == 0) return entities[i];
    return NULL;
}

void entity_each(void (*fn)(const entity_t *e, void *arg), void *arg) {
    for (int i = 0; i < nentities; i++) fn(entities[i], arg);
}

const field_t *entity_field(const entity_t *e, const char *name) {
    for (const field_t *f = e->fields; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

/* The record-title rule (issue 15 points 3 and 7), in this one place: the
 * field the entity declares (entity_t.title), else a field named name, else title, else the first default list column that is text
 * or a person, else the first such field.  A person title shows the
 * person's name; a personal-information text its masked copy. */
const field_t *entity_title_field(const entity_t *e) {
    if (!e) return NULL;
    if (e->title) return entity_field(e, e->title); /* declared (check_line: a field) */
    static const char *const preferred[] = {"name", "title", NULL};
    for (int i = 0; preferred[i]; i++) {
        const field_t *f = entity_field(e, preferred[i]);
        if (f && f->type == F_TEXT) return f;
    }
    for (int pass = 0; pass < 2; pass++)
        for (const field_t *f = e->fields; f->name; f++)
            if ((f->type == F_TEXT || f->type == F_PERSON) && (pass == 1 || (f->flags & FF_LIST))) return f;
    return NULL;
}

const field_t *entity_sort_field(const entity_t *e, const char *sort) {
    if (!sort || !*sort) sort = e->default_sort;
    if (!sort) return NULL;
    return entity_field(e, sort + (sort[0] == '-' || sort[0] == '+'));
}

const workflow_t *entity_flow(const entity_t *e, int version) {
    if (!e->flows || !e->flows[0]) return NULL;
    const workflow_t *last = NULL;
    for (const workflow_t *const *w = e->flows; *w; w++) {
        if (version && (*w)->version == version) return *w;
        last = *w;
    }
    return version ? NULL : last;
}

/* ---- write observers ---- */
/* Grows as modules register (at start). */
static engine_write_fn *observers;
static int nobservers, observers_cap;

void engine_on_write(engine_write_fn fn) {
    if (nobservers == observers_cap) {
        observers_cap = observers_cap ? observers_cap * 2 : 8;
        observers = realloc(observers, sizeof(*observers) * (size_t)observers_cap);
        if (!observers) abort();
    }
    observers[nobservers++] = fn;
}

int engine_notify_write(db_t *db, const entity_t *e, const char *org_path, int64_t user_id) {
    engine_titles_wrote(e);
    for (int i = 0; i < nobservers; i++) {
        int rc = observers[i](db, e, org_path, user_id);
        if (rc) return rc;
    }
    return 0;
}

/* ---- the declarations' check at start (issue 15) ---- */

static int faults;

/* One line per fault: the entity, the item (a field, a transition, a
 * member of the declaration), the reason. */
static void fault(const entity_t *e, const char *item, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fault(const entity_t *e, const char *item, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "声明错误: %s: %s: ", e->name ? e->name : "(未命名)", item);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    faults++;
}

/* Identifiers go into DDL and SQL text, so only [a-z0-9_] (and '-' in URL
 * names) are accepted. */
static bool ident_ok(const char *s, bool dash) {
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || (dash && *p == '-'))) return false;
    return true;
}

/* A permission key: identifiers joined by dots ("mediation.case.accept"). */
static bool perm_ok(const char *s) {
    if (!s || !*s || *s == '.') return false;
    for (const char *p = s; *p; p++) {
        bool ok =
            (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || (*p == '.' && p[1] && p[1] != '.');
        if (!ok) return false;
    }
    return true;
}

/* Calls fn(word, arg) for each space-separated word of list (NULL: none);
 * words are at most 127 bytes (a longer one is cut and then fails its check). */
static void each_word(const char *list, void (*fn)(const char *word, void *arg), void *arg) {
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (!n) break;
        char w[128];
        snprintf(w, sizeof(w), "%.*s", (int)n, p);
        fn(w, arg);
        p += n;
    }
}

/* Names: the entity's URL name, table and permission prefix, unique among
 * entities; each field's name and former name, once per entity. */
static void check_names(const entity_t *e) {
    if (!ident_ok(e->name, true)) fault(e, ".name", "\"%s\" 不是标识符 ([a-z0-9_-])", e->name ? e->name : "");
    if (!ident_ok(e->table, false)) fault(e, ".table", "\"%s\" 不是标识符 ([a-z0-9_])", e->table ? e->table : "");
    if (!perm_ok(e->perm)) fault(e, ".perm", "\"%s\" 不是权限名 (以点分隔的标识符)", e->perm ? e->perm : "");
    if (!e->label || !*e->label) fault(e, ".label", "缺少中文名称");
    for (int i = 0; i < nentities && entities[i] != e; i++) {
        if (e->name && entities[i]->name && strcmp(e->name, entities[i]->name) == 0)
            fault(e, ".name", "与另一实体重名");
        if (e->table && entities[i]->table && strcmp(e->table, entities[i]->table) == 0)
            fault(e, ".table", "表 %s 已由实体 %s 使用", e->table, entities[i]->name);
    }
    if (!e->fields) {
        fault(e, ".fields", "缺少字段表");
        return;
    }
    for (const field_t *f = e->fields; f->name; f++) {
        char item[160];
        snprintf(item, sizeof(item), "字段 %s", f->name);
        if (!ident_ok(f->name, false)) fault(e, item, "不是标识符 ([a-z0-9_])");
        if (!f->label || !*f->label) fault(e, item, "缺少中文名称 (label)");
        if (f->was && !ident_ok(f->was, false)) fault(e, item, ".was \"%s\" 不是标识符", f->was);
        for (const field_t *g = e->fields; g != f; g++)
            if (strcmp(g->name, f->name) == 0) fault(e, item, "重复声明");
    }
}

/* Each field: not a key every record carries (schema.c each_column, records.c
 * engine_write_record_of: the record's JSON would carry the key twice); a
 * code field's list seeded by a migration; a ref field's target an org unit
 * or a registered entity; a mask one records.c knows. */
static void check_fields(const entity_t *e) {
    static const char *const spine[] = {"id",         "org_id",     "org_name",       "org_path",    "version",
                                        "created_at", "created_by", "updated_at",     "updated_by",  "deleted_at",
                                        "wf_state",   "wf_version", "wf_state_label", "state_since", "due_at",
                                        "state_due_at", "overdue",  "escalated",      "actions",     "locked",
                                        "locked_reason", NULL};
    static const char *const masks[] = {"idcard", "phone", "name", NULL};
    for (const field_t *f = e->fields; f->name; f++) {
        char item[160];
        snprintf(item, sizeof(item), "字段 %s", f->name);
        bool clash = false;
        for (const char *const *k = spine; *k; k++) clash |= strcmp(f->name, *k) == 0;
        /* a person or ref field x is also written as x_name (its display name) */
        for (const field_t *p = e->fields; p->name; p++) {
            size_t l = strlen(p->name);
            if ((p->type == F_PERSON || p->type == F_REF) && strncmp(f->name, p->name, l) == 0 &&
                strcmp(f->name + l, "_name") == 0)
                clash = true;
        }
        if (clash) fault(e, item, "与每条记录都有的键重名");
        if (f->type < F_TEXT || f->type > F_FILE) fault(e, item, "未知的字段类型 %d", (int)f->type);
        if (f->type == F_CODE && !f->code_list) fault(e, item, "代码字段缺少 .code_list");
        else if (f->type == F_CODE && !code_list_seeded(f->code_list) && !entity_declares_code_list(f->code_list))
            fault(e, item, "字典 \"%s\" 不存在 (没有实体 .code_lists 声明它, 也没有迁移建立它)", f->code_list);
        if (f->type == F_REF && !f->ref) fault(e, item, "引用字段缺少 .ref");
        else if (f->type == F_REF && strcmp(f->ref, "org_units") != 0 && !entity_find(f->ref))
            fault(e, item, ".ref \"%s\" 既不是 org_units 也不是已注册的实体", f->ref);
        else if (f->type == F_REF && strcmp(f->ref, "org_units") != 0 && !entity_title_field(entity_find(f->ref)))
            fault(e, item, ".ref \"%s\" 没有可作名称的字段 (文本或人员字段), 引用处无法显示名称", f->ref);
        if (f->mask) {
            bool known = false;
            for (const char *const *m = masks; *m; m++) known |= strcmp(f->mask, *m) == 0;
            if (!known) fault(e, item, ".mask \"%s\" 未知 (idcard, phone, name 或不写)", f->mask);
            else if (!(f->flags & FF_PI)) fault(e, item, ".mask 只用于个人信息字段 (FF_PI)");
        }
        if (f->masked_with) {
            const field_t *pi = entity_field(e, f->masked_with);
            if (!pi || !(pi->flags & FF_PI)) fault(e, item, ".masked_with \"%s\" 不是本实体的个人信息字段", f->masked_with);
            if (f->type != F_DATE || (f->flags & FF_PI)) fault(e, item, ".masked_with 只用于非个人信息的日期字段");
            if (f->flags & (FF_FILTER | FF_SORT | FF_SEARCH))
                fault(e, item, ".masked_with 的字段不能筛选、排序或检索 (否则脱敏可被绕过)");
        }
        if (f->countdown) { /* "<name>_days" beside the date (records.c write_row) */
            char days[80];
            snprintf(days, sizeof(days), "%s_days", f->name);
            if (f->type != F_DATE || (f->flags & FF_PI) || f->masked_with)
                fault(e, item, ".countdown 只用于非个人信息、未脱敏的日期字段");
            if (entity_field(e, days)) fault(e, item, ".countdown 输出的 %s 与同名字段冲突", days);
        }
    }
}

/* What a workflow's words are checked against while walking it. */
typedef struct {
    const entity_t *e;
    const workflow_t *wf;
    const char *item;   /* "流程 v1 动作 accept" */
    const char *member; /* ".from", ".requires", … */
} flow_walk_t;

static bool flow_has_state(const workflow_t *wf, const char *key) {
    for (const wf_state_t *s = wf->states; s && s->key; s++)
        if (strcmp(s->key, key) == 0) return true;
    return false;
}

static void want_state(const char *word, void *arg) {
    flow_walk_t *w = arg;
    if (!flow_has_state(w->wf, word)) fault(w->e, w->item, "%s \"%s\" 不是该流程的状态", w->member, word);
}

static void want_field(const char *word, void *arg) {
    flow_walk_t *w = arg;
    if (!entity_field(w->e, word)) fault(w->e, w->item, "%s \"%s\" 不是已声明的字段", w->member, word);
}

static void want_action(const char *word, void *arg) {
    flow_walk_t *w = arg;
    bool found = false;
    for (const wf_transition_t *t = w->wf->transitions; t->action && !found; t++) found = strcmp(t->action, word) == 0;
    if (!found) fault(w->e, w->item, "%s \"%s\" 不是该流程的动作", w->member, word);
}

/* Every version of the workflow: its initial state and reopen states exist;
 * every transition's from (or "*") and to are states, its permission is
 * well formed, its requires, accepts and shows are declared fields and its distinct_from are
 * actions of the same version. */
static void check_flows(const entity_t *e) {
    if (!e->flows) return;
    int last = 0;
    for (const workflow_t *const *w = e->flows; *w; w++) {
        const workflow_t *wf = *w;
        char item[200];
        snprintf(item, sizeof(item), "流程 v%d", wf->version);
        flow_walk_t walk = {e, wf, item, NULL};
        if (wf->version <= last) fault(e, item, "版本号须为正且逐版递增");
        last = wf->version;
        if (!wf->states || !wf->states[0].key || !wf->transitions) {
            fault(e, item, "缺少状态表或动作表");
            continue;
        }
        for (const wf_state_t *s = wf->states; s->key; s++) {
            if (!ident_ok(s->key, false)) fault(e, item, "状态 \"%s\" 不是标识符", s->key);
            for (const wf_state_t *o = wf->states; o != s; o++)
                if (strcmp(o->key, s->key) == 0) fault(e, item, "状态 \"%s\" 重复声明", s->key);
        }
        if (!wf->initial || !flow_has_state(wf, wf->initial))
            fault(e, item, ".initial \"%s\" 不是该流程的状态", wf->initial ? wf->initial : "");
        if (!wf->reopen_from != !wf->reopen_to) fault(e, item, ".reopen_from 与 .reopen_to 须同时声明");
        walk.member = ".reopen_from";
        each_word(wf->reopen_from, want_state, &walk);
        walk.member = ".reopen_to";
        if (wf->reopen_to) want_state(wf->reopen_to, &walk);
        for (const wf_transition_t *t = wf->transitions; t->action; t++) {
            char titem[260];
            snprintf(titem, sizeof(titem), "流程 v%d 动作 %s", wf->version, t->action);
            walk.item = titem;
            if (!ident_ok(t->action, false)) fault(e, titem, "动作名不是标识符");
            if (!t->from || !*t->from) fault(e, titem, "缺少 .from");
            else if (strcmp(t->from, "*") != 0) {
                walk.member = ".from";
                each_word(t->from, want_state, &walk);
            }
            walk.member = ".to";
            if (!t->to) fault(e, titem, "缺少 .to");
            else want_state(t->to, &walk);
            if (t->perm && !perm_ok(t->perm)) fault(e, titem, ".perm \"%s\" 不是权限名 (以点分隔的标识符)", t->perm);
            walk.member = ".requires";
            each_word(t->requires, want_field, &walk);
            walk.member = ".accepts";
            each_word(t->accepts, want_field, &walk);
            walk.member = ".shows";
            each_word(t->shows, want_field, &walk);
            if (t->notify && !ident_ok(t->notify, false)) fault(e, titem, ".notify \"%s\" 不是标识符", t->notify);
            walk.member = ".distinct_from";
            each_word(t->distinct_from, want_action, &walk);
            if (t->stamp) {
                const field_t *f = entity_field(e, t->stamp);
                if (!f || f->type != F_DATE) fault(e, titem, ".stamp \"%s\" 不是该业务的日期字段", t->stamp);
            }
        }
    }
}

/* The default sort is a key ?sort= accepts (engine_sort_allowed). */
static void check_sort(const entity_t *e) {
    const char *s = e->default_sort;
    if (!s) return;
    const char *name = s + (s[0] == '-' || s[0] == '+');
    if (!*name || !engine_sort_allowed(e, name))
        fault(e, ".default_sort", "\"%s\" 不能排序 (id, created_at, updated_at, due_at, 或带 FF_SORT 的非个人信息字段)",
              s);
}

/* A unique key names org_id or plain fields (personal information is
 * stored encrypted: no key can compare it). */
static void want_key_column(const char *word, void *arg) {
    const entity_t *e = arg;
    const field_t *f = entity_field(e, word);
    if (strcmp(word, "org_id") != 0 && (!f || (f->flags & FF_PI)))
        fault(e, ".unique", "\"%s\" 既不是 org_id 也不是非个人信息的字段", word);
}
static void check_unique(const entity_t *e) { each_word(e->unique, want_key_column, (void *)e); }

/* The statements the engine builds for an entity bind into a fixed
 * sql_binds_t (engine.h): a create binds 16 spine values at most and each
 * field's (a personal-information field: its ciphertext, mask and blind
 * index), the to-do inbox the scope and one per state.  A declaration that
 * could overflow it is refused here, at start (issue 15: no silent limits),
 * rather than failing its requests with 503. */
#define WRITE_SPINE_BINDS 16
static void check_binds(const entity_t *e) {
    int need = WRITE_SPINE_BINDS;
    for (const field_t *f = e->fields; f->name; f++)
        need += !(f->flags & FF_PI) ? 1 : (f->flags & FF_FILTER) ? 3 : 2;
    if (need > SQL_BINDS_MAX)
        fault(e, ".fields", "一条语句要绑定 %d 个值, 超过 SQL_BINDS_MAX (%d)", need, SQL_BINDS_MAX);
    if (e->flows)
        for (const workflow_t *const *w = e->flows; *w; w++) {
            int states = 0;
            for (const wf_state_t *st = (*w)->states; st->key; st++) states++;
            if (2 + states > SQL_BINDS_MAX)
                fault(e, "流程", "版本 %d 有 %d 个状态, 超过 SQL_BINDS_MAX (%d) 减 2", (*w)->version, states,
                      SQL_BINDS_MAX);
        }
}

/* A child's parent (entity_t.parent) is one of its references to another
 * entity's records: a final parent locks its children (records.c). */
static void check_parent(const entity_t *e) {
    if (!e->parent) return;
    const field_t *pf = entity_field(e, e->parent);
    if (!pf || pf->type != F_REF || !pf->ref || strcmp(pf->ref, "org_units") == 0)
        fault(e, ".parent", "\"%s\" 不是指向另一类业务记录的引用字段", e->parent);
}

bool entity_declares_code_list(const char *key) {
    for (int i = 0; key && i < nentities; i++)
        for (const code_list_decl_t *l = entities[i]->code_lists; l && l->key; l++)
            if (strcmp(l->key, key) == 0) return true;
    return false;
}

/* What a business line declares beside its fields (issue 15 point 3): its
 * code lists (identifier keys, a name, codes once each, one declaration per
 * list across entities, none a migration already seeds), its line (key and
 * name together), its record title and cockpit group. */
static void check_line(const entity_t *e) {
    for (const code_list_decl_t *l = e->code_lists; l && l->key; l++) {
        char item[160];
        snprintf(item, sizeof(item), "字典 %s", l->key);
        if (!ident_ok(l->key, false)) fault(e, item, "键不是标识符 ([a-z0-9_])");
        if (!l->name || !*l->name) fault(e, item, "缺少名称 .name");
        if (code_list_seeded(l->key)) fault(e, item, "已由迁移建立, 不要再声明");
        for (int i = 0; i < nentities && entities[i] != e; i++)
            for (const code_list_decl_t *o = entities[i]->code_lists; o && o->key; o++)
                if (strcmp(o->key, l->key) == 0) fault(e, item, "已由 %s 声明", entities[i]->name);
        for (const code_list_decl_t *o = e->code_lists; o != l; o++)
            if (strcmp(o->key, l->key) == 0) fault(e, item, "声明了两次");
        for (const code_seed_t *c = l->codes; c && c->code; c++) {
            if (!c->label || !*c->label) fault(e, item, "代码 %s 缺少名称", c->code);
            if (!*c->code || strlen(c->code) > 32) fault(e, item, "代码 \"%s\" 为空或过长", c->code);
            for (const code_seed_t *o = l->codes; o != c; o++)
                if (strcmp(o->code, c->code) == 0) fault(e, item, "代码 %s 出现两次", c->code);
        }
    }
    if (!e->line != !e->line_label) fault(e, ".line", ".line 与 .line_label 须同时声明");
    if (e->line && !ident_ok(e->line, true)) fault(e, ".line", "\"%s\" 不是标识符", e->line);
    if (e->title) {
        const field_t *f = entity_field(e, e->title);
        if (!f || (f->flags & FF_PI) || (f->type != F_TEXT && f->type != F_CODE && f->type != F_DATE))
            fault(e, ".title", "\"%s\" 不是可作标题的字段 (文本、代码或日期, 非个人信息)", e->title);
    }
    if (e->cockpit && !*e->cockpit && !e->line_label) fault(e, ".cockpit", "为空时取条线名称, 但没有 .line_label");
    if (e->cockpit_by_state && !e->flows) fault(e, ".cockpit_by_state", "没有流程, 无法按状态统计");
    if (e->generate && (!e->generate->prepare || !e->generate->one || e->generate->batch < 1))
        fault(e, ".generate", "须有 prepare、one 与每批条数 batch");
}

static struct module_demo {
    const char *name;
    engine_demo_fn fn;
} *module_demos;
static int nmodule_demos, module_demos_cap;

void engine_demo_register(const char *name, engine_demo_fn fn) {
    module_demos = vec_reserve(module_demos, nmodule_demos, &module_demos_cap, sizeof(*module_demos), 4);
    module_demos[nmodule_demos++] = (struct module_demo){name, fn};
}

int engine_demo_all(const engine_demo_t *d, char *err, size_t errlen) {
    for (int i = 0; i < nmodule_demos; i++) {
        char inner[400] = "";
        if (module_demos[i].fn(d, inner, sizeof(inner)) != 0) {
            snprintf(err, errlen, "演示数据 %s: %s", module_demos[i].name, inner);
            return -1;
        }
    }
    for (int i = 0; i < nentities; i++) {
        if (!entities[i]->demo) continue;
        char inner[400] = "";
        if (entities[i]->demo(d, inner, sizeof(inner)) != 0) {
            snprintf(err, errlen, "演示数据 %s: %s", entities[i]->name, inner);
            return -1;
        }
    }
    return 0;
}

int64_t engine_insert_raw(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state,
                           json_t *fields) {
    buf_t sql = BUF_INIT, vals = BUF_INIT;
    buf_printf(&sql, "INSERT INTO %s (org_id, org_path, version", e->table);
    buf_puts(&vals, "$1, $2, 1");
    int n = 2;
    const workflow_t *wf = entity_flow(e, 0);
    if (wf) {
        buf_puts(&sql, ", wf_state, wf_version");
        buf_printf(&vals, ", $%d, %d", ++n, wf->version);
    }
    if (!json_object_get(fields, "created_at")) buf_puts(&sql, ", created_at, updated_at"), buf_puts(&vals, ", $0, $0");
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) {
        buf_printf(&sql, ", %s", k);
        buf_printf(&vals, ", $%d", ++n);
    }
    buf_printf(&sql, ") VALUES (%s) RETURNING id", vals.data);
    /* the default instant: one fixed time, so demo stores are identical */
    char *text = sql.data, *p;
    int last = n + 1;
    buf_t fixed = BUF_INIT;
    for (p = text; *p; p++) {
        if (p[0] == '$' && p[1] == '0') {
            buf_printf(&fixed, "$%d", last);
            p++;
        } else {
            buf_putc(&fixed, *p);
        }
    }
    db_stmt_t *s = db_prepare(db, fixed.data);
    buf_free(&sql);
    buf_free(&vals);
    buf_free(&fixed);
    if (!s) return -1;
    db_bind_int(s, 1, org);
    db_bind_text(s, 2, path, -1);
    int i = 2;
    if (wf) db_bind_text(s, ++i, state ? state : wf->initial, -1);
    json_object_foreach(fields, k, v) {
        ++i;
        if (json_is_integer(v)) db_bind_int(s, i, json_integer_value(v));
        else if (json_is_boolean(v)) db_bind_int(s, i, json_is_true(v) ? 1 : 0);
        else if (json_is_string(v)) db_bind_text(s, i, json_string_value(v), -1);
        else db_bind_null(s, i);
    }
    if (!json_object_get(fields, "created_at")) db_bind_text(s, last, "2026-11-30T01:00:00Z", -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return id;
}

/* Children (entity_t.children): each a registered entity whose .parent is a
 * reference to this one, under a key that is an identifier and no field's
 * nor a spine key's name, once, with what deleting the parent does. */
static void check_children(const entity_t *e) {
    for (const entity_child_t *c = e->children; c && c->key; c++) {
        char item[200];
        snprintf(item, sizeof(item), "子记录 %s", c->key);
        if (!ident_ok(c->key, false)) fault(e, item, "键不是标识符 ([a-z0-9_])");
        else if (entity_field(e, c->key)) fault(e, item, "键与字段重名");
        for (const entity_child_t *o = e->children; o != c; o++)
            if (strcmp(o->key, c->key) == 0) fault(e, item, "重复声明");
        const entity_t *ce = c->entity ? entity_find(c->entity) : NULL;
        const field_t *pf = ce && ce->parent ? entity_field(ce, ce->parent) : NULL;
        if (!ce) fault(e, item, ".entity \"%s\" 不是已注册的实体", c->entity ? c->entity : "");
        else if (!pf || !pf->ref || strcmp(pf->ref, e->name) != 0)
            fault(e, item, "实体 %s 的 .parent 不是指向 %s 的引用字段", ce->name, e->name);
        else if (engine_child_columns(ce) > ENGINE_CHILD_COLS_MAX) /* a child shows as a list row */
            fault(e, item, "实体 %s 的列表列共 %d 列, 超过子记录的上限 %d", ce->name, engine_child_columns(ce),
                  ENGINE_CHILD_COLS_MAX);
        if (c->on_delete != CHILD_DELETE_REFUSE && c->on_delete != CHILD_DELETE_CASCADE)
            fault(e, item, ".on_delete 须为 CHILD_DELETE_REFUSE 或 CHILD_DELETE_CASCADE");
    }
}

/* A number (entity_t.number) fills a read-only text field (the engine sets
 * it, never a form) by a pattern that formats (engine_number_format) and
 * names {seq}, {year} and {office} — the sequence restarts each year per
 * office, so a pattern without them would repeat numbers — at creation or
 * at an action of the workflow. */
static void check_number(const entity_t *e) {
    const entity_number_t *n = e->number;
    if (!n) return;
    const field_t *f = n->field ? entity_field(e, n->field) : NULL;
    if (!f || f->type != F_TEXT || !(f->flags & FF_READONLY) || (f->flags & FF_PI))
        fault(e, ".number.field", "\"%s\" 不是只读 (FF_READONLY) 的非个人信息文本字段", n->field ? n->field : "");
    char *sample = n->pattern ? engine_number_format(n->pattern, 2026, 1, "浦", 1) : NULL;
    if (!sample) fault(e, ".number.pattern", "\"%s\" 有未知的 {…} (year, office, district, seq, seq:1-9)",
                       n->pattern ? n->pattern : "");
    else if (!strstr(n->pattern, "{seq") || !strstr(n->pattern, "{year}") || !strstr(n->pattern, "{office}"))
        fault(e, ".number.pattern", "\"%s\" 须含 {seq}、{year} 和 {office} (序号按所、按年), 否则编号会重复",
              n->pattern);
    else if (f && f->type == F_TEXT && (int64_t)strlen(sample) + 8 > (f->max ? f->max : 2000))
        fault(e, ".number.pattern", "编号可能超过字段 %s 的长度上限", f->name);
    free(sample);
    if (n->at) {
        bool found = false;
        for (const workflow_t *const *w = e->flows; w && *w && !found; w++)
            for (const wf_transition_t *t = (*w)->transitions; t->action && !found; t++)
                found = strcmp(t->action, n->at) == 0;
        if (!found) fault(e, ".number.at", "\"%s\" 不是该实体流程的动作", n->at);
    }
}

/* Defaults (FF_TODAY) only on dates. */
static void check_defaults(const entity_t *e) {
    for (const field_t *f = e->fields; f->name; f++)
        if ((f->flags & FF_TODAY) && f->type != F_DATE) {
            char item[160];
            snprintf(item, sizeof(item), "字段 %s", f->name);
            fault(e, item, "FF_TODAY 只用于日期字段 (F_DATE)");
        }
}

/* Import states (entity_t.import_states): states of the current workflow,
 * each entered by a transition, and no number taken at a transition (an
 * import would skip it). */
static void check_import_states(const entity_t *e) {
    if (!e->import_states) return;
    const workflow_t *wf = entity_flow(e, 0);
    if (!wf) {
        fault(e, ".import_states", "没有流程的实体不能声明导入状态");
        return;
    }
    if (e->number && e->number->at) fault(e, ".import_states", "按流程动作编号的实体不能导入为其他状态");
    char words[256];
    snprintf(words, sizeof(words), "%s", e->import_states);
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        bool entered = false;
        for (const wf_transition_t *t = wf->transitions; t->action && !entered; t++) entered = strcmp(t->to, w) == 0;
        if (!entered) fault(e, ".import_states", "\"%s\" 不是该实体流程中由动作进入的状态", w);
    }
}

/* The checks, in order. */
static void (*const entity_checks[])(const entity_t *e) = {
    check_names,  check_fields,   check_flows,  check_sort,     check_unique, check_parent,
    check_children, check_number, check_defaults, check_binds, check_line,   check_import_states, NULL,
};

int entity_verify_all(void) {
    faults = 0;
    for (int i = 0; i < nentities; i++) {
        const entity_t *e = entities[i];
        for (int c = 0; entity_checks[c]; c++) {
            if (c > 0 && !e->fields) break; /* check_names said so; the rest read fields */
            entity_checks[c](e);
        }
    }
    if (!faults) engine_titles_init(); /* the ref targets are known now, before any worker */
    return faults;
}
