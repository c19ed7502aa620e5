/* openapi.c — the OpenAPI 3.1 contract, generated (issue 25 point 1;
 * docs/api.md "OpenAPI").
 *
 *   GET /api/v1/openapi.json        (any signed-in user or token)
 *   sifasuo openapi                 the same document on stdout
 *
 * Written once per process, on first use, from the two tables that define
 * the API: the router's (every route, in table order) and the entity
 * declarations (fields with their types, limits and code lists, filters,
 * sorts, workflows with each action's `requires`).  A route whose pattern
 * names :entity is written once per entity it serves; :action once per
 * declared transition.  Nothing is listed by hand, so a route added
 * anywhere is in the document at the next start. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "engine/openapi.h"
#include "engine/workflow.h"

/* ---- a path item per templated path ---- */

/* The document is built as a jansson tree (written once; the streaming
 * writer's speed does not matter here, and paths are merged by key). */
static json_t *doc;

static json_t *obj_at(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    if (!v) json_object_set_new(o, k, v = json_object());
    return v;
}

static json_t *ref(const char *name) {
    char buf[160];
    snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", buf);
}

/* "mediation-cases" → "MediationCases" */
static void schema_name(const entity_t *e, const char *suffix, char *out, size_t n) {
    size_t j = 0;
    bool up = true;
    for (const char *p = e->name; *p && j + 1 < n; p++) {
        if (*p == '-' || *p == '_') {
            up = true;
            continue;
        }
        out[j++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    snprintf(out + j, n - j, "%s", suffix);
}

/* The declared codes of code list key (entity_t.code_lists of any entity),
 * NULL when it is not declared by an entity (a migration seeds it). */
typedef struct {
    const char *key;
    const code_list_decl_t *found;
} code_find_t;

static void find_codes(const entity_t *e, void *arg) {
    code_find_t *c = arg;
    for (const code_list_decl_t *d = e->code_lists; d && d->key && !c->found; d++)
        if (strcmp(d->key, c->key) == 0) c->found = d;
}

/* One field's schema; for output, a field may be null unless required. */
static json_t *field_schema(const field_t *f, bool nullable) {
    json_t *s = json_object();
    const char *t = "string";
    switch (f->type) {
    case F_INT: t = "integer"; break;
    case F_REF:
    case F_PERSON: t = "integer"; break;
    case F_BOOL: t = "boolean"; break;
    default: break;
    }
    json_object_set_new(s, "type", nullable ? json_pack("[s,s]", t, "null") : json_string(t));
    json_object_set_new(s, "title", json_string(f->label));
    switch (f->type) {
    case F_TEXT:
        if (!(f->flags & FF_PI)) json_object_set_new(s, "maxLength", json_integer(f->max ? f->max : 2000));
        break;
    case F_INT:
        if (f->min || f->max) {
            json_object_set_new(s, "minimum", json_integer(f->min));
            if (f->max) json_object_set_new(s, "maximum", json_integer(f->max));
        }
        break;
    case F_DECIMAL:
        json_object_set_new(s, "pattern", json_string("^-?[0-9]+(\\.[0-9]+)?$"));
        json_object_set_new(s, "description", json_string(f->scale == 2 ? "十进制数 (两位小数, 以文本表示)" : "十进制数 (以文本表示)"));
        break;
    case F_DATE: json_object_set_new(s, "format", json_string("date")); break;
    case F_DATETIME: json_object_set_new(s, "format", json_string("date-time")); break;
    case F_CODE: {
        json_object_set_new(s, "x-code-list", json_string(f->code_list));
        code_find_t c = {f->code_list, NULL};
        entity_each(find_codes, &c);
        char desc[256];
        snprintf(desc, sizeof(desc), "字典「%s」的代码, 当前取值见 GET /api/v1/codes/%s", c.found ? c.found->name : f->code_list,
                 f->code_list);
        json_object_set_new(s, "description", json_string(desc));
        if (c.found) {
            json_t *codes = json_array();
            for (const code_seed_t *x = c.found->codes; x->code; x++)
                json_array_append_new(codes, json_pack("{s:s,s:s}", "code", x->code, "label", x->label));
            json_object_set_new(s, "x-codes", codes);
            if (c.found->fixed) { /* administrators cannot add codes: a closed set */
                json_t *en = json_array();
                for (const code_seed_t *x = c.found->codes; x->code; x++) json_array_append_new(en, json_string(x->code));
                if (nullable) json_array_append_new(en, json_null());
                json_object_set_new(s, "enum", en);
            }
        }
        break;
    }
    case F_REF:
        json_object_set_new(s, "x-ref", json_string(f->ref));
        json_object_set_new(s, "description", json_string("所引用记录的编号; 名称见同名字段加 _name"));
        break;
    case F_PERSON:
        json_object_set_new(s, "x-ref", json_string("persons"));
        json_object_set_new(s, "description", json_string("人员库编号; 姓名 (遮蔽) 见同名字段加 _name"));
        break;
    case F_FILE: json_object_set_new(s, "description", json_string("文件的 SHA-256 (先 POST /api/v1/files 上传)")); break;
    default: break;
    }
    if (f->flags & FF_PI) {
        json_object_set_new(s, "x-personal-information", json_true());
        const char *d = json_string_value(json_object_get(s, "description"));
        char desc[300];
        snprintf(desc, sizeof(desc), "%s%s个人信息: 加密存储, 读出时遮蔽 (完整值经 POST …/unmask, 需 pi.unmask 并留审计)",
                 d ? d : "", d ? "; " : "");
        json_object_set_new(s, "description", json_string(desc));
    }
    if (f->flags & FF_READONLY) json_object_set_new(s, "readOnly", json_true());
    return s;
}

static const char *const spine[][3] = {
    {"id", "integer", "编号"},
    {"org_id", "integer", "所属单位编号"},
    {"org_name", "string", "所属单位"},
    {"version", "integer", "版本 (修改时原样带回)"},
    {"created_at", "string", "创建时间"},
    {"updated_at", "string", "修改时间"},
    {NULL, NULL, NULL},
};

static void entity_schemas(const entity_t *e, void *arg) {
    json_t *schemas = arg;
    json_t *rec = json_object(), *props = obj_at(rec, "properties");
    json_object_set_new(rec, "type", json_string("object"));
    json_object_set_new(rec, "title", json_string(e->label));
    for (int i = 0; spine[i][0]; i++)
        json_object_set_new(props, spine[i][0], json_pack("{s:s,s:s}", "type", spine[i][1], "title", spine[i][2]));
    json_object_set_new(props, "deleted_at", json_pack("{s:[s,s],s:s}", "type", "string", "null", "title", "删除时间"));
    json_object_set_new(rec, "required", json_pack("[s,s,s]", "id", "org_id", "version"));
    json_t *in = json_object(), *inprops = obj_at(in, "properties"), *req = json_array();
    json_object_set_new(in, "type", json_string("object"));
    json_object_set_new(in, "additionalProperties", json_false());
    json_object_set_new(inprops, "org_id", json_pack("{s:s,s:s}", "type", "integer", "title", "所属单位编号 (默认: 本人单位)"));
    for (const field_t *f = e->fields; f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f, true));
        if (f->type == F_REF || f->type == F_PERSON) {
            char k[80];
            snprintf(k, sizeof(k), "%s_name", f->name);
            json_object_set_new(props, k, json_pack("{s:[s,s],s:s,s:b}", "type", "string", "null", "title",
                                                    f->type == F_PERSON ? "姓名 (遮蔽)" : "名称", "readOnly", 1));
        }
        if (f->countdown) {
            char k[80];
            snprintf(k, sizeof(k), "%s_days", f->name);
            json_object_set_new(
                props, k,
                json_pack("{s:[s,s],s:s,s:b}", "type", "integer", "null", "title", f->countdown, "readOnly", 1));
        }
        if (f->flags & FF_READONLY) continue;
        json_object_set_new(inprops, f->name, field_schema(f, !(f->flags & FF_REQUIRED)));
        if (f->flags & FF_REQUIRED) json_array_append_new(req, json_string(f->name));
    }
    const workflow_t *wf = entity_flow(e, 0);
    if (wf) {
        json_object_set_new(props, "wf_state", json_pack("{s:s,s:s}", "type", "string", "title", "状态"));
        json_object_set_new(props, "wf_state_label", json_pack("{s:s,s:s}", "type", "string", "title", "状态名称"));
        json_object_set_new(props, "due_at", json_pack("{s:[s,s],s:s}", "type", "string", "null", "title", "办理期限"));
        json_object_set_new(props, "overdue", json_pack("{s:s,s:s}", "type", "boolean", "title", "已逾期"));
        json_t *states = json_array(), *trans = json_array();
        for (const wf_state_t *st = wf->states; st->key; st++)
            json_array_append_new(states, json_pack("{s:s,s:s,s:b,s:i}", "key", st->key, "label", st->label, "final",
                                                    st->final, "deadline_days", st->deadline_days));
        for (const wf_transition_t *t = wf->transitions; t->action; t++)
            json_array_append_new(trans, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?}", "action", t->action, "label", t->label,
                                                   "from", t->from, "to", t->to, "requires", t->requires, "perm",
                                                   t->perm));
        json_object_set_new(rec, "x-workflow", json_pack("{s:i,s:s,s:o,s:o,s:i}", "version", wf->version, "initial",
                                                         wf->initial, "states", states, "transitions", trans,
                                                         "deadline_days", wf->deadline_days));
    }
    if (json_array_size(req)) json_object_set_new(in, "required", req);
    else json_decref(req);
    json_t *patch = json_deep_copy(in);
    json_object_del(patch, "required");
    json_object_del(json_object_get(patch, "properties"), "org_id");
    json_object_set_new(json_object_get(patch, "properties"), "version",
                        json_pack("{s:s,s:s}", "type", "integer", "title", "读取时的版本 (过期: 409 version_conflict)"));
    json_object_set_new(patch, "required", json_pack("[s]", "version"));
    char name[96];
    schema_name(e, "", name, sizeof(name));
    json_object_set_new(schemas, name, rec);
    schema_name(e, "Input", name, sizeof(name));
    json_object_set_new(schemas, name, in);
    schema_name(e, "Patch", name, sizeof(name));
    json_object_set_new(schemas, name, patch);
    schema_name(e, "", name, sizeof(name));
    json_t *list =
        json_pack("{s:s,s:{s:{s:s,s:o},s:{s:[s,s]},s:{s:s},s:{s:s},s:{s:s,s:s}},s:[s]}", "type", "object", "properties",
                  "items", "type", "array", "items", ref(name), "next", "type", "string", "null", "total", "type",
                  "integer", "total_capped", "type", "boolean", "sorted_by", "type", "string", "description",
                  "past 10 000 matches: the order the page was answered in "
                  "instead of the one asked (docs/api.md)",
                  "required", "items");
    schema_name(e, "List", name, sizeof(name));
    json_object_set_new(schemas, name, list);
}

/* ---- operations ---- */

static json_t *error_responses(const char *method) {
    json_t *r = json_object();
    static const char *const common[] = {"400", "401", "403", "404", "422", "429", "503", NULL};
    for (int i = 0; common[i]; i++)
        json_object_set_new(r, common[i], json_pack("{s:s}", "$ref", "#/components/responses/Error"));
    if (strcmp(method, "GET")) json_object_set_new(r, "409", json_pack("{s:s}", "$ref", "#/components/responses/Error"));
    return r;
}

static json_t *json_body(json_t *schema) {
    return json_pack("{s:{s:{s:o}}}", "content", "application/json", "schema", schema);
}

static json_t *ok_response(const char *desc, json_t *schema) {
    json_t *r = json_pack("{s:s}", "description", desc);
    if (schema) json_object_set_new(r, "content", json_pack("{s:{s:o}}", "application/json", "schema", schema));
    return r;
}

/* "GET /api/v1/mediation-cases/{id}" → "get_mediation_cases_id" (unique:
 * one operation per method and path). */
static char *operation_id(const char *method, const char *path) {
    buf_t b = BUF_INIT;
    for (const char *m = method; *m; m++) buf_putc(&b, (char)tolower((unsigned char)*m));
    const char *p = strncmp(path, "/api/v1", 7) == 0 ? path + 7 : path;
    bool sep = true;
    for (; *p; p++) {
        if (isalnum((unsigned char)*p)) {
            if (sep) buf_putc(&b, '_');
            buf_putc(&b, *p);
            sep = false;
        } else {
            sep = true;
        }
    }
    return buf_detach(&b);
}

/* The OpenAPI path of a pattern with :entity and :action filled in
 * (NULL: keep the capture): ":id" → "{id}". */
static char *openapi_path(const char *pattern, const char *entity, const char *action) {
    buf_t b = BUF_INIT;
    for (const char *p = pattern; *p;) {
        if (p[0] == '/' && p[1] == ':') {
            size_t n = strcspn(p + 2, "/");
            buf_putc(&b, '/');
            if (entity && n == 6 && strncmp(p + 2, "entity", 6) == 0) buf_puts(&b, entity);
            else if (action && n == 6 && strncmp(p + 2, "action", 6) == 0) buf_puts(&b, action);
            else buf_printf(&b, "{%.*s}", (int)n, p + 2);
            p += 2 + n;
        } else {
            buf_putc(&b, *p++);
        }
    }
    return buf_detach(&b);
}

/* Two patterns whose captures are named differently are the same path to
 * OpenAPI ("/users/{id}" and "/users/{uid}"): the first one's names win. */
static char *shape_of(const char *path) {
    buf_t b = BUF_INIT;
    for (const char *p = path; *p; p++) {
        if (*p == '{') {
            buf_puts(&b, "{}");
            p += strcspn(p, "}");
        } else {
            buf_putc(&b, *p);
        }
    }
    return buf_detach(&b);
}

static json_t *shapes; /* shape → the path key first written */

static json_t *path_item(const char *path) {
    char *shape = shape_of(path);
    const char *key = json_string_value(json_object_get(shapes, shape));
    if (!key) json_object_set_new(shapes, shape, json_string(key = path));
    json_t *paths = obj_at(doc, "paths");
    json_t *item = json_object_get(paths, key);
    if (!item) {
        item = json_object();
        json_t *params = json_array();
        for (const char *p = key; (p = strchr(p, '{')); p++) {
            size_t n = strcspn(p + 1, "}");
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
            bool id = strcmp(name, "id") == 0 || (n > 3 && strcmp(name + n - 3, "_id") == 0);
            json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s}}", "name", name, "in", "path", "required", 1,
                                                    "schema", "type", id ? "integer" : "string"));
        }
        if (json_array_size(params)) json_object_set_new(item, "parameters", params);
        else json_decref(params);
        json_object_set(paths, key, item);
        json_decref(item);
    }
    free(shape);
    return item;
}

static void add_operation(const route_t *rt, const char *path, json_t *op, const char *tag) {
    json_t *item = path_item(path);
    char method[8];
    snprintf(method, sizeof(method), "%s", rt->method);
    for (char *m = method; *m; m++) *m = (char)tolower((unsigned char)*m);
    if (json_object_get(item, method)) { /* an earlier route answers it (table order) */
        json_decref(op);
        return;
    }
    char *id = operation_id(rt->method, path);
    json_object_set_new(op, "operationId", json_string(id));
    free(id);
    if (tag) json_object_set_new(op, "tags", json_pack("[s]", tag));
    if (rt->flags & ROUTE_PUBLIC) json_object_set_new(op, "security", json_array());
    if (rt->perm) json_object_set_new(op, "x-permission", json_string(rt->perm));
    if (!json_object_get(op, "responses")) json_object_set_new(op, "responses", json_object());
    json_t *resp = json_object_get(op, "responses");
    if (!json_object_size(resp))
        json_object_set_new(resp, "200", ok_response("成功", json_pack("{s:s}", "type", "object")));
    json_t *errors = error_responses(rt->method);
    json_object_update_missing(resp, errors);
    json_decref(errors);
    if (!json_object_get(op, "requestBody") &&
        (!strcmp(rt->method, "POST") || !strcmp(rt->method, "PUT") || !strcmp(rt->method, "PATCH")))
        json_object_set_new(op, "requestBody", json_body(json_pack("{s:s}", "type", "object")));
    json_object_set_new(item, method, op);
}

static json_t *query(const char *name, const char *type, const char *desc) {
    return json_pack("{s:s,s:s,s:{s:s},s:s}", "name", name, "in", "query", "schema", "type", type, "description", desc);
}

/* The list's query parameters: paging, q, sort, and each declared filter. */
static json_t *list_params(const entity_t *e) {
    json_t *a = json_array();
    json_array_append_new(a, query("q", "string", "全文检索 (声明为可检索的字段)"));
    json_t *sorts = json_array();
    json_array_append_new(sorts, json_string("id"));
    json_array_append_new(sorts, json_string("-id"));
    for (const field_t *f = e->fields; f->name; f++)
        if (engine_sort_allowed(e, f->name)) {
            json_array_append_new(sorts, json_string(f->name));
            char d[80];
            snprintf(d, sizeof(d), "-%s", f->name);
            json_array_append_new(sorts, json_string(d));
        }
    json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:o},s:s}", "name", "sort", "in", "query", "schema", "type",
                                       "string", "enum", sorts, "description", "排序字段, 前加 - 为倒序"));
    json_array_append_new(a, json_pack("{s:s,s:s,s:{s:s,s:i,s:i}}", "name", "limit", "in", "query", "schema", "type",
                                       "integer", "minimum", 1, "maximum", 500));
    json_array_append_new(a, query("after", "string", "上一页返回的 next 游标"));
    json_array_append_new(a, query("total", "string", "1: 返回总数 (第一页默认返回)"));
    json_array_append_new(a, query("org_id", "string", "单位编号 (含下级), 逗号分隔"));
    json_array_append_new(a, query("fields", "string", "只返回这些字段, 逗号分隔"));
    if (e->flows) json_array_append_new(a, query("wf_state", "string", "状态, 逗号分隔"));
    for (const field_t *f = e->fields; f->name; f++) {
        if (!(f->flags & FF_FILTER)) continue;
        char d[200];
        snprintf(d, sizeof(d), "按「%s」筛选, 多个值以逗号分隔", f->label);
        json_array_append_new(a, query(f->name, "string", d));
        if (field_ranged(f)) {
            char k[80];
            snprintf(k, sizeof(k), "%s.from", f->name);
            snprintf(d, sizeof(d), "「%s」不早于 (不小于)", f->label);
            json_array_append_new(a, query(k, "string", d));
            snprintf(k, sizeof(k), "%s.to", f->name);
            snprintf(d, sizeof(d), "「%s」不晚于 (不大于)", f->label);
            json_array_append_new(a, query(k, "string", d));
        }
    }
    return a;
}

static bool has_pi(const entity_t *e) {
    for (const field_t *f = e->fields; f->name; f++)
        if (f->flags & FF_PI) return true;
    return false;
}

/* Whether route rt (a :entity pattern) serves e at all. */
static bool serves(const route_t *rt, const entity_t *e) {
    const char *p = rt->pattern;
    if (strstr(p, "/actions/")) return e->flows != NULL;
    if (strstr(p, "/attachments")) return e->attachments;
    if (strstr(p, "/documents/")) return e->documents != NULL;
    if (strstr(p, "/unmask")) return has_pi(e);
    if (e->create_via && !strcmp(rt->method, "POST") && (!strcmp(p, "/api/v1/:entity") || strstr(p, "/import")))
        return false;
    if (e->delete_via && (!strcmp(rt->method, "DELETE") || strstr(p, "/restore"))) return false;
    return true;
}

/* The summary of each generic route (around the entity's label) and, for
 * the record-shaped ones, its request and answer schemas (R record, I input,
 * P patch, L list; 0 none): the :entity routes as a table. */
typedef struct {
    const char *method, *pattern, *before, *after; /* summary: before + label + after */
    char body, answer;
    const char *status;
} entity_op_t;

static const entity_op_t entity_ops[] = {
    {"GET", "/api/v1/:entity", "列出", "", 0, 'L', "200"},
    {"POST", "/api/v1/:entity", "新建", "", 'I', 'R', "201"},
    {"GET", "/api/v1/:entity/:id", "读取", "", 0, 'R', "200"},
    {"PATCH", "/api/v1/:entity/:id", "修改", "", 'P', 'R', "200"},
    {"DELETE", "/api/v1/:entity/:id", "删除", " (可恢复)", 0, 'R', "200"},
    {"POST", "/api/v1/:entity/:id/restore", "恢复已删除的", "", 0, 'R', "200"},
    {"GET", "/api/v1/:entity/:id/history", "", "的办理记录 (审计日志)", 0, 0, NULL},
    {"POST", "/api/v1/:entity/:id/unmask", "", "的完整个人信息 (需 pi.unmask, 留审计)", 0, 0, NULL},
    {"GET", "/api/v1/:entity/export", "导出", " (CSV 或 XLSX)", 0, 0, NULL},
    {"POST", "/api/v1/:entity/import", "导入", " (CSV, 后台任务)", 0, 0, NULL},
    {"GET", "/api/v1/:entity/import/template", "", "的导入模板", 0, 0, NULL},
    {"GET", "/api/v1/:entity/:id/files/:field", "下载", "的文件字段", 0, 0, NULL},
    {"GET", "/api/v1/:entity/:id/attachments", "", "的附件", 0, 0, NULL},
    {"POST", "/api/v1/:entity/:id/attachments", "为", "添加附件", 0, 0, NULL},
    {"GET", "/api/v1/:entity/:id/attachments/:aid", "下载", "的附件", 0, 0, NULL},
    {"DELETE", "/api/v1/:entity/:id/attachments/:aid", "删除", "的附件", 0, 0, NULL},
    {"GET", "/api/v1/:entity/:id/documents/:key", "", "生成的文书", 0, 0, NULL},
    {"GET", "/api/v1/meta/entities/:entity", "", "的元数据 (字段、流程、权限)", 0, 0, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

static json_t *schema_ref(const entity_t *e, char kind) {
    const char *suffix = kind == 'I' ? "Input" : kind == 'P' ? "Patch" : kind == 'L' ? "List" : "";
    char name[96];
    schema_name(e, suffix, name, sizeof(name));
    return ref(name);
}

/* A transition: its body requires the declared `requires` fields (and a
 * comment when a reason is required), may carry `accepts`. */
static void transition_operation(json_t *op, const entity_t *e, const wf_transition_t *t) {
    json_t *props = json_object(), *req = json_array();
    char desc[512];
    snprintf(desc, sizeof(desc), "从「%s」到「%s」。需填写: %s", t->from, t->to, t->requires ? t->requires : "无");
    json_object_set_new(op, "description", json_string(desc));
    for (int pass = 0; pass < 2; pass++) {
        char words[512];
        snprintf(words, sizeof(words), "%s", pass ? (t->accepts ? t->accepts : "") : (t->requires ? t->requires : ""));
        char *save = NULL;
        for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            const field_t *f = entity_field(e, w);
            if (f) json_object_set_new(props, w, field_schema(f, false));
            if (!pass) json_array_append_new(req, json_string(w));
        }
    }
    json_object_set_new(props, "comment", json_pack("{s:s,s:s}", "type", "string", "title", "意见"));
    if (t->comment_required) json_array_append_new(req, json_string("comment"));
    json_t *body = json_pack("{s:s,s:o}", "type", "object", "properties", props);
    if (json_array_size(req)) json_object_set_new(body, "required", req);
    else json_decref(req);
    json_object_set_new(op, "requestBody", json_body(body));
    json_object_set_new(op, "x-requires", json_string(t->requires ? t->requires : ""));
    char perm[160];
    snprintf(perm, sizeof(perm), "%s.%s", e->perm, t->action);
    json_object_set_new(op, "x-permission", json_string(t->perm ? t->perm : perm));
    json_object_set_new(json_object_get(op, "responses"), "200", ok_response("已办理", schema_ref(e, 'R')));
}

static json_t *entity_operation(const route_t *rt, const entity_t *e, const wf_transition_t *t) {
    json_t *op = json_object(), *resp = json_object();
    json_object_set_new(op, "responses", resp);
    char summary[256];
    snprintf(summary, sizeof(summary), "%s %s", rt->method, rt->pattern);
    if (t) {
        snprintf(summary, sizeof(summary), "%s: %s", e->label, t->label);
        transition_operation(op, e, t);
    }
    for (const entity_op_t *x = entity_ops; !t && x->method; x++) {
        if (strcmp(x->method, rt->method) || strcmp(x->pattern, rt->pattern)) continue;
        snprintf(summary, sizeof(summary), "%s%s%s", x->before, e->label, x->after);
        if (x->body) json_object_set_new(op, "requestBody", json_body(schema_ref(e, x->body)));
        if (x->answer) json_object_set_new(resp, x->status, ok_response("成功 (个人信息已遮蔽)", schema_ref(e, x->answer)));
        if (x->answer == 'L') json_object_set_new(op, "parameters", list_params(e));
        break;
    }
    json_object_set_new(op, "summary", json_string(summary));
    return op;
}

typedef struct {
    const route_t *rt;
} route_arg_t;

static void add_entity_route(const entity_t *e, void *arg) {
    const route_t *rt = ((route_arg_t *)arg)->rt;
    if (!serves(rt, e)) return;
    if (strstr(rt->pattern, ":action")) {
        const workflow_t *wf = entity_flow(e, 0);
        for (const wf_transition_t *t = wf->transitions; t->action; t++) {
            char *path = openapi_path(rt->pattern, e->name, t->action);
            add_operation(rt, path, entity_operation(rt, e, t), e->label);
            free(path);
        }
        return;
    }
    char *path = openapi_path(rt->pattern, e->name, NULL);
    add_operation(rt, path, entity_operation(rt, e, NULL), e->label);
    free(path);
}

/* What the router's table cannot say about a route that is not an engine
 * route: its summary, and when written out, its query parameters (a JSON
 * array), body and answer (JSON schemas).  Documentation only — which
 * routes are in the document is the router's table, never this list. */
typedef struct {
    const char *method, *pattern, *summary, *params, *body, *answer;
} route_doc_t;

#define CURSOR_PARAM "{\"name\":\"after\",\"in\":\"query\",\"schema\":{\"type\":\"string\"},\"description\":\"上一页的 next (0 或不填: 从头; now: 最新游标)\"}"
static const route_doc_t route_docs[] = {
    {"POST", "/api/v1/session", "登录 (账户); 外部系统用 Authorization: Bearer 令牌, 无需登录", NULL,
     "{\"type\":\"object\",\"properties\":{\"username\":{\"type\":\"string\"},\"password\":{\"type\":\"string\"},"
     "\"totp\":{\"type\":\"string\"}},\"required\":[\"username\",\"password\"]}",
     NULL},
    {"GET", "/api/v1/changes", "变更流: 按提交顺序的新建、修改、流转、删除、恢复 (docs/api.md)",
     "[" CURSOR_PARAM ",{\"name\":\"entities\",\"in\":\"query\",\"schema\":{\"type\":\"string\"},"
     "\"description\":\"业务类别, 逗号分隔 (默认: 可读的全部)\"},{\"name\":\"limit\",\"in\":\"query\","
     "\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":500}}]",
     NULL,
     "{\"type\":\"object\",\"required\":[\"items\",\"next\",\"more\"],\"properties\":{\"next\":{\"type\":\"string\"},"
     "\"more\":{\"type\":\"boolean\"},\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Change\"}}}}"},
    {"GET", "/api/v1/webhooks", "本令牌的推送订阅", NULL, NULL, NULL},
    {"POST", "/api/v1/webhooks", "订阅推送 (仅接口令牌; 应答中的 secret 只出现这一次)", NULL,
     "{\"type\":\"object\",\"required\":[\"url\",\"entities\"],\"properties\":{\"url\":{\"type\":\"string\"},"
     "\"entities\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"events\":{\"type\":\"array\",\"items\":"
     "{\"enum\":[\"create\",\"update\",\"transition\",\"delete\",\"restore\"]}},\"max_attempts\":{\"type\":\"integer\","
     "\"minimum\":1,\"maximum\":20},\"after\":{\"type\":\"string\"}}}",
     NULL},
    {"DELETE", "/api/v1/webhooks/:id", "取消推送订阅", NULL, NULL, NULL},
    {"GET", "/api/v1/webhooks/:id/deliveries", "推送记录 (status=dead: 死信)", NULL, NULL, NULL},
    {"POST", "/api/v1/webhooks/:id/deliveries/:delivery/replay", "重发一次推送", NULL, NULL, NULL},
    {"GET", "/api/v1/openapi.json", "本接口说明 (OpenAPI 3.1)", NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static void add_route(const route_t *rt, void *arg) {
    (void)arg;
    if (strncmp(rt->pattern, "/api/", 5) != 0 && strcmp(rt->pattern, "/healthz") && strcmp(rt->pattern, "/readyz"))
        return;
    if (strstr(rt->pattern, ":entity")) {
        route_arg_t a = {rt};
        entity_each(add_entity_route, &a);
        return;
    }
    char *path = openapi_path(rt->pattern, NULL, NULL);
    json_t *op = json_object();
    char summary[300];
    snprintf(summary, sizeof(summary), "%s %s", rt->method, rt->pattern);
    for (const route_doc_t *d = route_docs; d->method; d++) {
        if (strcmp(d->method, rt->method) || strcmp(d->pattern, rt->pattern)) continue;
        snprintf(summary, sizeof(summary), "%s", d->summary);
        if (d->params) json_object_set_new(op, "parameters", json_loads(d->params, 0, NULL));
        if (d->body) json_object_set_new(op, "requestBody", json_body(json_loads(d->body, 0, NULL)));
        if (d->answer)
            json_object_set_new(op, "responses",
                                json_pack("{s:o}", "200", ok_response("成功", json_loads(d->answer, 0, NULL))));
        break;
    }
    json_object_set_new(op, "summary", json_string(summary));
    add_operation(rt, path, op, NULL);
    free(path);
}

static void build(void) {
    doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:[{s:s}]}", "openapi", "3.1.0", "info", "title", "司法所综合管理平台 接口",
                    "version", "1", "description",
                    "由服务启动时的路由表与业务声明生成。错误统一为 {\"error\":{\"code\",\"message\",\"fields\"}} (docs/api.md)。",
                    "servers", "url", "/");
    shapes = json_object();
    json_t *comp = obj_at(doc, "components");
    json_object_set_new(comp, "securitySchemes",
                        json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s}}", "bearerAuth", "type", "http", "scheme", "bearer",
                                  "bearerFormat", "sfs_…", "cookieAuth", "type", "apiKey", "in", "cookie", "name", "sid",
                                  "description", "浏览器会话 (HTTPS 下为 __Host-sid); 写操作另需 X-CSRF-Token"));
    json_object_set_new(doc, "security", json_pack("[{s:[]},{s:[]}]", "bearerAuth", "cookieAuth"));
    json_t *schemas = obj_at(comp, "schemas");
    json_object_set_new(schemas, "Error",
                        json_pack("{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s,s:{s:s}}},s:[s,s]}},s:[s]}", "type",
                                  "object", "properties", "error", "type", "object", "properties", "code", "type",
                                  "string", "message", "type", "string", "fields", "type", "object",
                                  "additionalProperties", "type", "string", "required", "code", "message", "required",
                                  "error"));
    json_object_set_new(comp, "responses",
                        json_pack("{s:{s:s,s:{s:{s:o}}}}", "Error", "description", "错误 (中文说明在 message)", "content",
                                  "application/json", "schema", ref("Error")));
    /* one item of the change feed (engine/changes.c) */
    json_object_set_new(
        schemas, "Change",
        json_pack("{s:s,s:[s,s,s,s,s],s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:[s,s,s,s,s]},"
                  "s:{s:[s,s]},s:{s:s},s:{s:[s,s],s:s}}}",
                  "type", "object", "required", "cursor", "at", "entity", "record_id", "event", "properties", "cursor",
                  "type", "string", "at", "type", "string", "entity", "type", "string", "entity_label", "type", "string",
                  "record_id", "type", "integer", "event", "type", "string", "enum", "create", "update", "transition",
                  "delete", "restore", "action", "type", "string", "null", "action_label", "type", "string", "record",
                  "type", "object", "null", "description", "记录现在的样子 (按调用方的范围与遮蔽); 已删除时为 null"));
    entity_each(entity_schemas, schemas);
    json_object_set_new(doc, "paths", json_object());
    router_each(add_route, NULL);
    json_decref(shapes);
}

static char *text;
static size_t text_len;

static void build_once(void) {
    build();
    text = json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    text_len = text ? strlen(text) : 0;
    json_decref(doc);
}

const char *openapi_document(size_t *len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_once);
    *len = text_len;
    return text;
}

static void get_openapi(http_req_t *r) {
    size_t n;
    const char *t = openapi_document(&n);
    if (!t) return http_error(r, 503, "unavailable", "接口说明生成失败");
    http_send_bytes(r, 200, "application/json", t, n);
}

static const route_t openapi_routes[] = {
    {"GET", "/api/v1/openapi.json", get_openapi},
    {0},
};

void openapi_routes_register(void) { router_add(openapi_routes); }
