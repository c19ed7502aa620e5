/* mediation_docs.c — the documents of a people's mediation case (issue 8
 * point 4), generated from the record, as printable HTML or Word (.docx):
 *
 *   GET /api/v1/mediation-cases/:id/documents/:kind?format=html|docx
 *
 *   application   人民调解申请书
 *   registration  人民调解受理登记表
 *   agreement     人民调解协议书 (once the case has an agreement; 409 before)
 *   visit         人民调解回访记录 (once the parties were visited; 409 before)
 *
 * The documents are declared on the case (entity_t.documents): the route,
 * the access check, the 409 before an agreement or a visit, the audit row
 * (document.generate) and the metadata for the web app's panel are the
 * engine's (engine/document.h), as is the block model (title, paragraph,
 * table rows) both renderers walk, so the HTML and the .docx always say the
 * same.  The documents parties sign carry their full particulars (ID and
 * phone numbers decrypted, each person's disclosure audited as pi.unmask)
 * for a reader who may unmask, else masked as in lists; dates read
 * 2026年12月7日, punctuation is full-width and a missing value on a line to
 * sign is an underline to fill in (issue 19 point 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/values.h"
#include "modules/modules.h"
#include "util/crypto.h"
#include "util/docx.h"
#include "util/validate.h"

/* the document model and its two renderers: engine/document.h */

/* ---- the case ---- */

enum {
    C_ID, C_NO, C_TITLE, C_RECEIVED, C_SOURCE, C_CATEGORY, C_SUMMARY, C_AMOUNT, C_ACCEPTED, C_REJECT, C_FORM,
    C_CONTENT, C_PERFORM, C_LEVEL, C_REFERRAL, C_FAILURE, C_CLOSED, C_VISIT, C_STATE, C_DUE, C_PATH, C_OFFICE,
    C_MORG, C_VILLAGE, C_MEDIATOR, C_MAJOR, C_EXT_REASON, C_EXT_DAYS, C_VISITED_ON, C_NCOLS
};

#define CASE_SQL                                                                                                      \
    "SELECT c.id, c.case_no, c.title, c.received_on, c.source, c.category, c.summary, c.amount, c.accepted_on, "      \
    "c.reject_reason, c.agreement_form, c.agreement_content, c.performance_deadline, c.resolved_level, c.referral, "  \
    "c.failure_reason, c.closed_on, c.visit_note, c.wf_state, c.due_at, c.org_path, o.name, mo.name, v.name, "        \
    "mp.name, c.major, c.extension_reason, c.extension_days, c.visited_on "                                            \
    "FROM mediation_case c JOIN org_units o ON o.id = c.org_id "                                                      \
    "LEFT JOIN mediation_org mo ON mo.id = c.mediation_org_id LEFT JOIN org_units v ON v.id = c.village_id "          \
    "LEFT JOIN mediator m ON m.id = c.mediator_id LEFT JOIN persons mp ON mp.id = m.person_id "                      \
    "WHERE c.id = $1 AND c.deleted_at IS NULL"

typedef struct party {
    const char *role, *name, *gender, *birth, *id_masked, *phone, *unit_name, *agent;
    const char *id_enc, *phone_enc; /* decrypted in place for a reader who may unmask */
    int64_t person_id;
    const char *person_path;
    bool masked; /* the reader may not read the person: name masked, no sex or birth */
} party_t;

typedef struct kase {
    const char *v[C_NCOLS];
    party_t *parties;
    int nparties;
} kase_t;

static const char *dup(http_req_t *r, db_stmt_t *s, int col) {
    return db_col_null(s, col) ? NULL : arena_strdup(r->arena, db_col_text(s, col));
}

/* Loads the case (404 when missing or out of scope) and its parties. */
static bool load_case(http_req_t *r, int64_t id, kase_t *k) {
    memset(k, 0, sizeof(*k));
    db_stmt_t *s = db_prepare(r->db, CASE_SQL);
    if (!s) return http_store_error(r), false;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    /* the one access path (engine/access.c) */
    const entity_t *ce = entity_find("mediation-cases");
    engine_read_t ra = rc == DB_ROW && ce ? engine_may_read(r, ce, db_col_text(s, C_PATH)) : ENGINE_READ_NOT_FOUND;
    if (rc != DB_ROW || !ENGINE_READABLE(ra)) {
        db_reset(s);
        if (rc < 0) http_store_error(r);
        else if (ra == ENGINE_READ_NOT_FOUND) http_error(r, 404, "not_found", "案件不存在");
        else engine_read_refuse(r, ra);
        return false;
    }
    for (int i = 0; i < C_NCOLS; i++) k->v[i] = dup(r, s, i);
    db_reset(s);
    s = db_prepare(r->db, "SELECT pa.role, p.name, p.gender, p.birth_date, p.id_masked, p.phone_masked, pa.unit_name, "
                          "pa.agent, p.id, po.path, p.id_enc, p.phone_enc FROM mediation_party pa "
                          "LEFT JOIN persons p ON p.id = pa.person_id "
                          "LEFT JOIN org_units po ON po.id = p.org_id "
                          "WHERE pa.case_id = $1 AND pa.deleted_at IS NULL ORDER BY pa.id");
    if (!s) return http_store_error(r), false;
    db_bind_int(s, 1, id);
    int cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (k->nparties == cap) {
            cap = cap ? cap * 2 : 8;
            party_t *n = arena_alloc(r->arena, sizeof(party_t) * (size_t)cap);
            if (k->nparties) memcpy(n, k->parties, sizeof(party_t) * (size_t)k->nparties);
            k->parties = n;
        }
        party_t *p = &k->parties[k->nparties++];
        p->role = dup(r, s, 0), p->name = dup(r, s, 1), p->gender = dup(r, s, 2), p->birth = dup(r, s, 3);
        p->id_masked = dup(r, s, 4), p->phone = dup(r, s, 5), p->unit_name = dup(r, s, 6), p->agent = dup(r, s, 7);
        p->person_id = db_col_null(s, 8) ? 0 : db_col_int(s, 8), p->person_path = dup(r, s, 9), p->masked = false;
        p->id_enc = dup(r, s, 10), p->phone_enc = dup(r, s, 11);
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r), false;
    /* a linked person as the reader may see them (issue 18 point 2; the one
     * access path, engine/access.c): one the reader may not read — another
     * unit's, not shared with the reader's — is printed masked, without
     * sex or year of birth */
    for (int i = 0; i < k->nparties; i++) {
        party_t *p = &k->parties[i];
        if (!p->person_id) continue;
        int ok = engine_person_readable(r, p->person_id, p->person_path);
        if (ok < 0) return http_store_error(r), false;
        if (ok && auth_can(auth_principal(r), "pi.unmask")) {
            /* a document to sign: the full numbers, each disclosure audited as an unmask */
            buf_t idn = BUF_INIT, phone = BUF_INIT;
            bool dec = (!p->id_enc || pi_decrypt(auth_keys(), p->id_enc, &idn) == 0) &&
                       (!p->phone_enc || pi_decrypt(auth_keys(), p->phone_enc, &phone) == 0);
            if (dec) {
                if (idn.len) p->id_masked = arena_strdup(r->arena, idn.data);
                if (phone.len) p->phone = arena_strdup(r->arena, phone.data);
            }
            buf_free(&idn);
            buf_free(&phone);
            char *detail = arena_printf(r->arena, "{\"fields\":[\"id_number\",\"phone\"],\"via\":\"document\","
                                                  "\"entity\":\"mediation-cases\",\"case\":%lld}", (long long)id);
            if (!dec || auth_audit(r, "pi.unmask", "persons", p->person_id, "ok", detail) != 0)
                return http_store_error(r), false;
        }
        if (ok) continue;
        char masked[128];
        p->name = arena_strdup(r->arena, mask_name(p->name ? p->name : "", masked, sizeof(masked)));
        p->gender = NULL, p->birth = NULL, p->masked = true;
    }
    return true;
}

static const char *label(http_req_t *r, const char *list, const char *code) {
    if (!code) return "";
    const char *l = code_label(r->db, list, code);
    return l ? arena_strdup(r->arena, l) : code;
}
static const char *or_blank(const char *s) { return s && *s ? s : "—"; }
/* a value on a line to sign: an underline when missing */
static const char *or_line(const char *s) { return s && *s ? s : DOC_BLANK; }
static const char *cn_date(http_req_t *r, const char *ymd) { return ymd && *ymd ? doc_date(r, ymd) : NULL; }

static const char *money(http_req_t *r, const char *fen) {
    if (!fen) return "—";
    char d[40];
    decimal_format(strtoll(fen, NULL, 10), 2, d, sizeof(d));
    return arena_printf(r->arena, "%s 元", d);
}

static const char *case_number(http_req_t *r, const kase_t *k) {
    return k->v[C_NO] && *k->v[C_NO] ? k->v[C_NO]
                                     : arena_printf(r->arena, "(%.4s) 调字第 %s 号", k->v[C_RECEIVED], k->v[C_ID]);
}

/* "张三, 男, 1980 年生, 证件号码 310***…, 电话 138****5678" or the unit's name. */
static const char *party_line(http_req_t *r, const party_t *p) {
    if (!p->name) return arena_printf(r->arena, "%s%s%s", or_line(p->unit_name), p->agent ? "，代理人" : "",
                                      p->agent ? p->agent : "");
    if (p->masked)
        return arena_printf(r->arena, "%s，证件号码%s，联系电话%s%s%s", p->name, or_line(p->id_masked),
                            or_line(p->phone), p->agent ? "，代理人" : "", p->agent ? p->agent : "");
    return arena_printf(r->arena, "%s，%s，%.4s年生，证件号码%s，联系电话%s%s%s", p->name,
                        p->gender ? (strcmp(p->gender, "F") == 0 ? "女" : "男") : "性别不详",
                        p->birth ? p->birth : "＿＿＿＿", or_line(p->id_masked), or_line(p->phone),
                        p->agent ? "，代理人" : "", p->agent ? p->agent : "");
}

static void parties_rows(http_req_t *r, doc_t *o, const kase_t *k, const char *role_filter) {
    for (int i = 0; i < k->nparties; i++) {
        const party_t *p = &k->parties[i];
        if (role_filter && strcmp(p->role, role_filter) != 0) continue;
        const char *cells[2] = {label(r, "mediation_party_role", p->role), party_line(r, p)};
        doc_row(o, cells);
    }
}

static const int two_cols[] = {2200, 6826};

/* 人民调解申请书 */
static void doc_application(http_req_t *r, doc_t *o, const kase_t *k) {
    doc_title(o, "人民调解申请书");
    doc_para(o, arena_printf(r->arena, "编号：%s", case_number(r, k)), DOCX_RIGHT);
    doc_table(o, 2, two_cols);
    parties_rows(r, o, k, "applicant");
    parties_rows(r, o, k, "respondent");
    parties_rows(r, o, k, "third_party");
    doc_table_end(o);
    doc_para(o, "纠纷事实及申请事项：", DOCX_BOLD);
    doc_para(o, arena_printf(r->arena, "%s。%s", k->v[C_TITLE], or_blank(k->v[C_SUMMARY])), DOCX_INDENT);
    doc_para(o, arena_printf(r->arena, "涉及金额：%s", money(r, k->v[C_AMOUNT])), DOCX_INDENT);
    doc_para(o, arena_printf(r->arena, "本人自愿申请%s调解上述纠纷。", k->v[C_MORG] ? k->v[C_MORG] : "人民调解委员会"),
             DOCX_INDENT);
    doc_para(o, "申请人（签名或盖章）：" DOC_BLANK, DOCX_RIGHT);
    doc_para(o, or_line(cn_date(r, k->v[C_RECEIVED])), DOCX_RIGHT);
}

/* 人民调解受理登记表 */
static void doc_registration(http_req_t *r, doc_t *o, const kase_t *k) {
    static const int four_cols[] = {1800, 2713, 1800, 2713};
    doc_title(o, "人民调解受理登记表");
    doc_table(o, 4, four_cols);
    const char *rows[][4] = {
        {"案件编号", case_number(r, k), "登记日期", or_blank(cn_date(r, k->v[C_RECEIVED]))},
        {"案件来源", label(r, "mediation_source", k->v[C_SOURCE]), "纠纷类型", label(r, "dispute_category", k->v[C_CATEGORY])},
        {"发生地", or_blank(k->v[C_VILLAGE]), "涉及金额", money(r, k->v[C_AMOUNT])},
        {"调解组织", or_blank(k->v[C_MORG]), "调解员", or_blank(k->v[C_MEDIATOR])},
        {"受理日期", or_blank(cn_date(r, k->v[C_ACCEPTED])), "调解期限", or_blank(cn_date(r, k->v[C_DUE]))},
        {"重大疑难复杂", k->v[C_MAJOR] && strcmp(k->v[C_MAJOR], "1") == 0 ? "是 (司法所参与调解)" : "否", "登记单位", k->v[C_OFFICE]},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) doc_row(o, rows[i]);
    doc_table_end(o);
    doc_table(o, 2, two_cols);
    parties_rows(r, o, k, NULL);
    const char *summary[2] = {"案由及纠纷简要情况", arena_printf(r->arena, "%s。%s", k->v[C_TITLE], or_blank(k->v[C_SUMMARY]))};
    doc_row(o, summary);
    const char *decision[2] = {"受理意见",
                               k->v[C_REJECT] ? arena_printf(r->arena, "不予受理: %s", k->v[C_REJECT])
                               : k->v[C_ACCEPTED] ? arena_printf(r->arena, "已于%s受理", cn_date(r, k->v[C_ACCEPTED]))
                                                  : "待审查"};
    doc_row(o, decision);
    if (k->v[C_EXT_REASON]) {
        const char *ext[2] = {"延期", arena_printf(r->arena, "延长 %s 日: %s", or_blank(k->v[C_EXT_DAYS]), k->v[C_EXT_REASON])};
        doc_row(o, ext);
    }
    doc_table_end(o);
    doc_para(o, "登记人：" DOC_BLANK "　　审核人：" DOC_BLANK, 0);
}

/* 人民调解协议书 */
static void doc_agreement(http_req_t *r, doc_t *o, const kase_t *k) {
    bool oral = k->v[C_FORM] && strcmp(k->v[C_FORM], "oral") == 0;
    doc_title(o, oral ? "人民调解口头协议登记表" : "人民调解协议书");
    doc_para(o, arena_printf(r->arena, "编号：%s", case_number(r, k)), DOCX_RIGHT);
    doc_table(o, 2, two_cols);
    parties_rows(r, o, k, NULL);
    doc_table_end(o);
    doc_para(o, "纠纷主要事实、争议事项：", DOCX_BOLD);
    doc_para(o, arena_printf(r->arena, "%s。%s", k->v[C_TITLE], or_blank(k->v[C_SUMMARY])), DOCX_INDENT);
    doc_para(o, "经调解，双方当事人自愿达成如下协议：", DOCX_BOLD);
    doc_para(o, or_line(k->v[C_CONTENT]), DOCX_INDENT);
    doc_para(o,
             arena_printf(r->arena, "履行方式、时限：于%s前履行完毕。",
                          k->v[C_PERFORM] && *k->v[C_PERFORM] ? cn_date(r, k->v[C_PERFORM]) : "＿＿＿＿年＿＿月＿＿日"),
             DOCX_INDENT);
    doc_para(o, "本协议经双方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章之日起生效。"
                "本协议一式三份，双方当事人、人民调解委员会各执一份。依《中华人民共和国人民调解法》第三十一条，"
                "经人民调解委员会调解达成的调解协议具有法律约束力，当事人应当按照约定履行。",
             DOCX_INDENT);
    doc_para(o, "当事人（签名）：" DOC_BLANK "　　当事人（签名）：" DOC_BLANK, 0);
    doc_para(o, arena_printf(r->arena, "人民调解员（签名）：%s", or_line(k->v[C_MEDIATOR])), 0);
    doc_para(o, arena_printf(r->arena, "%s（印章）", k->v[C_MORG] ? k->v[C_MORG] : "人民调解委员会"), DOCX_RIGHT);
    doc_para(o, k->v[C_CLOSED] && *k->v[C_CLOSED] ? cn_date(r, k->v[C_CLOSED]) : "＿＿＿＿年＿＿月＿＿日", DOCX_RIGHT);
}

/* 人民调解回访记录 */
static void doc_visit(http_req_t *r, doc_t *o, const kase_t *k) {
    doc_title(o, "人民调解回访记录");
    doc_table(o, 2, two_cols);
    const char *result = k->v[C_FORM] ? arena_printf(r->arena, "调解成功 (%s)", label(r, "agreement_form", k->v[C_FORM]))
                         : k->v[C_REFERRAL]
                             ? arena_printf(r->arena, "调解不成, 引导%s", label(r, "mediation_referral", k->v[C_REFERRAL]))
                             : "—";
    const char *rows[][2] = {
        {"案件编号", case_number(r, k)},
        {"案由", k->v[C_TITLE]},
        {"调解结果", result},
        {"结案日期", or_blank(cn_date(r, k->v[C_CLOSED]))},
        {"回访日期", or_blank(cn_date(r, k->v[C_VISITED_ON]))},
        {"回访情况", or_blank(k->v[C_VISIT])},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) doc_row(o, rows[i]);
    parties_rows(r, o, k, NULL);
    doc_table_end(o);
    doc_para(o, arena_printf(r->arena, "回访人：" DOC_BLANK "　　%s", or_blank(k->v[C_MORG])), 0);
}

/* The case as loaded here (its parties, the names of its organisation and
 * mediator) for each document; the engine has already decided the caller
 * may read it (the one access path). */
typedef void (*case_render_fn)(http_req_t *r, doc_t *o, const kase_t *k);
static int with_case(http_req_t *r, doc_t *o, json_t *rec, case_render_fn render) {
    kase_t k;
    if (!load_case(r, json_integer_value(json_object_get(rec, "id")), &k)) return -1;
    render(r, o, &k);
    return 0;
}
static int render_application(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    return with_case(r, o, rec, doc_application);
}
static int render_registration(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    return with_case(r, o, rec, doc_registration);
}
static int render_agreement(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    return with_case(r, o, rec, doc_agreement);
}
static int render_visit(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    return with_case(r, o, rec, doc_visit);
}

/* The case's documents, declared on the entity (mediation.c .documents):
 * GET /api/v1/mediation-cases/:id/documents/:kind is the engine's. */
const entity_document_t mediation_case_documents[] = {
    {"application", "人民调解申请书", NULL, NULL, render_application},
    {"registration", "人民调解受理登记表", NULL, NULL, render_registration},
    {"agreement", "人民调解协议书", "agreement_form", "案件尚未达成调解协议", render_agreement},
    {"visit", "人民调解回访记录", "visit_note", "案件尚未回访", render_visit},
    {0},
};
