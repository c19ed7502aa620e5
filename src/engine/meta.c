/* meta.c — metadata for the UI (issue 4 point 3): the UI draws lists,
 * forms, detail pages and workflow buttons from these, with the labels of
 * the declarations and what the current user may do. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/workflow.h"

static const char *type_name(field_type_t t) {
    static const char *const names[] = {"", "text", "int", "decimal", "date", "datetime", "bool", "code", "ref", "person", "file"};
    return (int)t >= 1 && (int)t <= F_FILE ? names[t] : "text";
}

static bool can(http_req_t *r, const entity_t *e, const char *action) {
    /* withheld generic create (entity_t.create_via): no 新建 / 导入 buttons */
    if (e->create_via && (strcmp(action, "create") == 0 || strcmp(action, "import") == 0)) return false;
    /* records never deleted (entity_t.delete_via): no 删除 button */
    if (e->delete_via && (strcmp(action, "delete") == 0 || strcmp(action, "restore") == 0)) return false;
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.%s", e->perm, action);
    return auth_can(auth_principal(r), perm);
}

/* "import_states": the states besides the initial one this user's import
 * may start records in (entity_t.import_states), [{key, label}]; none: []. */
static void write_import_states(http_req_t *r, const entity_t *e) {
    jw_t *w = &r->json;
    const workflow_t *wf = entity_flow(e, 0);
    jw_key(w, "import_states");
    jw_arr(w);
    for (const wf_state_t *s = wf && e->import_states ? wf->states : NULL; s && s->key; s++) {
        if (strcmp(s->key, wf->initial) == 0 || !wf_import_state_allowed(e, auth_principal(r), s->key)) continue;
        jw_obj(w);
        jw_kstr(w, "key", s->key);
        jw_kstr(w, "label", s->label);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void write_can(http_req_t *r, const entity_t *e) {
    static const char *const actions[] = {"read", "create", "update", "delete", "restore", "export", "import", NULL};
    jw_t *w = &r->json;
    jw_key(w, "can");
    jw_obj(w);
    for (int i = 0; actions[i]; i++) jw_kbool(w, actions[i], can(r, e, actions[i]));
    jw_kbool(w, "unmask", auth_can(auth_principal(r), "pi.unmask"));
    jw_obj_end(w);
}

/* What a business line declares beside its fields (issue 15 point 3): its
 * menu group, cockpit figures and detail panels (the record title is
 * entity_title_field's, written by the callers). */
static void write_line(jw_t *w, const entity_t *e) {
    if (e->line) {
        jw_kstr(w, "line", e->line);
        jw_kstr(w, "line_label", e->line_label);
    }
    if (e->cockpit) {
        jw_key(w, "cockpit");
        jw_obj(w);
        jw_kstr(w, "group", *e->cockpit ? e->cockpit : e->line_label);
        jw_kbool(w, "by_state", e->cockpit_by_state);
        jw_obj_end(w);
    }
}

static void list_one(const entity_t *e, void *arg) {
    http_req_t *r = arg;
    if (!can(r, e, "read")) return;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "name", e->name);
    jw_kstr(w, "label", e->label);
    jw_kbool(w, "workflow", e->flows != NULL);
    jw_kbool(w, "protected", e->protected_);
    const field_t *tf = entity_title_field(e);
    jw_kstr(w, "title_field", tf ? tf->name : NULL);
    write_line(w, e);
    write_can(r, e);
    jw_obj_end(w);
}

static void meta_entities(http_req_t *r) {
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    entity_each(list_one, r);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static void write_words(jw_t *w, const char *key, const char *list) {
    jw_key(w, key);
    jw_arr(w);
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s", list ? list : "");
    char *save = NULL;
    for (char *k = strtok_r(tmp, " ", &save); k; k = strtok_r(NULL, " ", &save)) jw_str(w, k);
    jw_arr_end(w);
}

static void meta_entity(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e || !can(r, e, "read")) return http_error(r, 404, "not_found", "业务类别不存在");
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "name", e->name);
    jw_kstr(w, "label", e->label);
    jw_kstr(w, "default_sort", e->default_sort ? e->default_sort : "-id");
    /* the field that names a record (entity_title_field), as refs to it show it */
    const field_t *tf = entity_title_field(e);
    jw_kstr(w, "title_field", tf ? tf->name : NULL);
    jw_kbool(w, "attachments", e->attachments);
    jw_kbool(w, "protected", e->protected_);
    if (e->unique) jw_kstr(w, "unique", e->unique);
    if (e->create_via) jw_kstr(w, "create_via", e->create_via);
    if (e->delete_via) jw_kstr(w, "delete_via", e->delete_via);
    if (e->parent) jw_kstr(w, "parent", e->parent);
    write_line(w, e);
    write_words(w, "panels", e->panels);
    write_words(w, "list_panels", e->list_panels);
    write_words(w, "detail_hide", e->detail_hide);
    if (e->documents) {
        /* the documents generated from a record (document.h): the panel
         * "documents" offers each once its ready field is set */
        jw_key(w, "documents");
        jw_arr(w);
        for (const entity_document_t *d = e->documents; d->key; d++) {
            jw_obj(w);
            jw_kstr(w, "key", d->key);
            jw_kstr(w, "title", d->title);
            jw_kstr(w, "ready", d->ready);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    if (e->children) {
        /* the parent page's tables (issue 15 point 8): the child kinds the
         * caller may read, with what deleting the parent does to them */
        jw_key(w, "children");
        jw_arr(w);
        for (const entity_child_t *c = e->children; c->key; c++) {
            const entity_t *ce = entity_find(c->entity);
            if (!ce || !can(r, ce, "read")) continue;
            jw_obj(w);
            jw_kstr(w, "key", c->key);
            jw_kstr(w, "entity", ce->name);
            jw_kstr(w, "label", ce->label);
            jw_kstr(w, "parent_field", ce->parent);
            jw_kstr(w, "on_delete", c->on_delete == CHILD_DELETE_CASCADE ? "cascade" : "refuse");
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    if (e->number) {
        jw_key(w, "number");
        jw_obj(w);
        jw_kstr(w, "field", e->number->field);
        jw_kstr(w, "pattern", e->number->pattern);
        jw_kstr(w, "at", e->number->at); /* null: at creation */
        jw_obj_end(w);
    }
    write_can(r, e);
    write_import_states(r, e);
    jw_key(w, "fields");
    jw_arr(w);
    for (const field_t *f = e->fields; f->name; f++) {
        jw_obj(w);
        jw_kstr(w, "name", f->name);
        jw_kstr(w, "label", f->label);
        jw_kstr(w, "type", type_name(f->type));
        jw_kbool(w, "required", f->flags & FF_REQUIRED);
        jw_kbool(w, "pi", (f->flags & FF_PI) || f->masked_with); /* shown masked, unmasked with the PI */
        if (f->masked_with) jw_kstr(w, "masked_with", f->masked_with);
        if (f->countdown) jw_kstr(w, "countdown", f->countdown); /* the record's "<name>_days" */
        jw_kbool(w, "search", f->flags & FF_SEARCH);
        jw_kbool(w, "filter", f->flags & FF_FILTER);
        jw_kbool(w, "list", f->flags & FF_LIST);
        jw_kbool(w, "sort", f->flags & FF_SORT);
        jw_kbool(w, "readonly", f->flags & FF_READONLY);
        if (f->flags & FF_READONLY && f->readonly_why) jw_kstr(w, "readonly_why", f->readonly_why);
        if (f->type == F_DATE && (f->flags & FF_TODAY)) {
            /* the form shows it filled in; a create without it gets it */
            char today[11];
            wf_today(today);
            jw_kstr(w, "default", "today");
            jw_kstr(w, "default_value", today);
        }
        if (f->type == F_TEXT) jw_kint(w, "max_length", f->max ? f->max : 2000);
        if ((f->type == F_INT || f->type == F_DECIMAL) && (f->min || f->max)) {
            jw_kint(w, "min", f->min);
            jw_kint(w, "max", f->max);
        }
        if (f->type == F_DECIMAL) jw_kint(w, "scale", f->scale);
        if (f->code_list) {
            jw_kstr(w, "code_list", f->code_list);
            jw_key(w, "codes");
            codes_write_items(r->db, f->code_list, w);
        }
        if (f->ref) jw_kstr(w, "ref", f->ref);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    const workflow_t *wf = entity_flow(e, 0);
    jw_key(w, "workflow");
    if (!wf) {
        jw_null(w);
    } else {
        jw_obj(w);
        jw_kint(w, "version", wf->version);
        jw_kstr(w, "initial", wf->initial);
        jw_kint(w, "deadline_days", wf->deadline_days);
        jw_kint(w, "escalate_after_days", wf->escalate_after_days);
        jw_key(w, "states");
        jw_arr(w);
        for (const wf_state_t *s = wf->states; s->key; s++) {
            jw_obj(w);
            jw_kstr(w, "key", s->key);
            jw_kstr(w, "label", s->label);
            jw_kint(w, "deadline_days", s->deadline_days);
            jw_kbool(w, "final", s->final);
            jw_kbool(w, "locks", wf_locked(wf, s->key) != NULL); /* no edit, delete or children */
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_key(w, "transitions");
        jw_arr(w);
        for (const wf_transition_t *t = wf->transitions; t->action; t++) {
            jw_obj(w);
            jw_kstr(w, "action", t->action);
            jw_kstr(w, "label", t->label);
            write_words(w, "from", t->from);
            jw_kstr(w, "to", t->to);
            write_words(w, "requires", t->requires);
            write_words(w, "accepts", t->accepts);
            write_words(w, "shows", t->shows);
            jw_kbool(w, "comment_required", t->comment_required);
            /* out of a final state: reopens a locked record, with a reason */
            jw_kbool(w, "reopen", wf_is_reopen(wf, t));
            char perm[128];
            snprintf(perm, sizeof(perm), "%s.%s", e->perm, t->action);
            jw_kbool(w, "allowed", auth_can(auth_principal(r), t->perm ? t->perm : perm));
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t meta_routes[] = {
    {"GET", "/api/v1/meta/entities", meta_entities},
    {"GET", "/api/v1/meta/entities/:entity", meta_entity},
    {0},
};

void meta_routes_register(void) { router_add(meta_routes); }
