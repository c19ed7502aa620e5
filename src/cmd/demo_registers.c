/* demo_registers.c — demo data for the organisation and staff registers
 * (issue 5 point 10) in every office of the demo tree.
 *
 * Realistic and deliberately mixed, so the standards engine (issue 6) has
 * real findings: offices with fewer than 4 dedicated posts (clause 15) or a
 * diverted one, offices without a certificate holder and directors appointed
 * after 2022-08-04 without one (16), signage finished late or not at all and
 * rooms missing (18), equipment short or overdue for renewal (19), funding
 * categories missing or outside the budget (20).  Dates spread over
 * 2005–2024 so "as of 31 December" differs year by year.  One fixed-seed
 * PRNG walked in office-id order: the same rows on every fresh store.
 * Written directly (one transaction, cached statements), most records
 * already through 信息校核/审核 (wf_state approved), some waiting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/demo.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/validate.h"

static uint64_t rng_state;
static uint32_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static int below(int n) { return (int)(rnd() % (uint32_t)n); }
static bool chance(int percent) { return below(100) < percent; }

/* A record under construction: spine + columns, inserted by rec_insert. */
typedef struct rec {
    const char *table;
    int n;
    struct {
        const char *col;
        bool is_int, null;
        int64_t i;
        char s[200];
    } c[40];
} rec_t;

typedef struct seed {
    db_t *db;
    const keys_t *keys;
    char now[21];
    int64_t rows;
} seed_t;

static void rec_begin(rec_t *r, const char *table, int64_t org, const char *path, const char *now, const char *state) {
    r->table = table;
    r->n = 0;
    struct {
        const char *col;
        const char *s;
    } txt[] = {{"org_path", path}, {"created_at", now}, {"updated_at", now}, {"wf_state", state}, {"state_since", now}};
    r->c[r->n].col = "org_id", r->c[r->n].is_int = true, r->c[r->n].null = false, r->c[r->n++].i = org;
    for (size_t i = 0; i < sizeof(txt) / sizeof(txt[0]); i++) {
        r->c[r->n].col = txt[i].col, r->c[r->n].is_int = false, r->c[r->n].null = false;
        snprintf(r->c[r->n++].s, sizeof(r->c[0].s), "%.*s", i == 4 ? 10 : 199, txt[i].s);
    }
    r->c[r->n].col = "wf_version", r->c[r->n].is_int = true, r->c[r->n].null = false, r->c[r->n++].i = 1;
}
static void put_s(rec_t *r, const char *col, const char *v) {
    r->c[r->n].col = col, r->c[r->n].is_int = false, r->c[r->n].null = v == NULL;
    snprintf(r->c[r->n++].s, sizeof(r->c[0].s), "%s", v ? v : "");
}
static void put_i(rec_t *r, const char *col, int64_t v) {
    r->c[r->n].col = col, r->c[r->n].is_int = true, r->c[r->n].null = false, r->c[r->n++].i = v;
}
static void put_date(rec_t *r, const char *col, int y, int m, int d) {
    char b[16];
    snprintf(b, sizeof(b), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    put_s(r, col, b);
}

/* Binds a record's values from parameter base+1 on. */
static void rec_bind(db_stmt_t *s, int base, const rec_t *r) {
    for (int i = 0; i < r->n; i++) {
        if (r->c[i].null)
            db_bind_null(s, base + i + 1);
        else if (r->c[i].is_int)
            db_bind_int(s, base + i + 1, r->c[i].i);
        else
            db_bind_text(s, base + i + 1, r->c[i].s, -1);
    }
}

/* "INSERT INTO t (cols) VALUES ($1…), (…)…" for rows records of r's shape. */
static void rec_sql(const rec_t *r, int rows, buf_t *sql) {
    buf_printf(sql, "INSERT INTO %s (", r->table);
    for (int i = 0; i < r->n; i++)
        buf_printf(sql, "%s%s", i ? ", " : "", r->c[i].col);
    buf_puts(sql, ") VALUES ");
    for (int k = 0; k < rows; k++) {
        buf_puts(sql, k ? ", (" : "(");
        for (int i = 0; i < r->n; i++)
            buf_printf(sql, "%s$%d", i ? ", " : "", k * r->n + i + 1);
        buf_puts(sql, ")");
    }
}

/* Records wait here and go in BATCH at a time, one INSERT of many rows, as
 * long as they have the same table and columns: PostgreSQL's cost is the
 * round trip (about 3 600 statements instead of one per row for ~9 900 rows). */
#define BATCH 32 /* ≤ 40 columns: at most 1 280 parameters a statement */
static rec_t pending[BATCH];
static int npending;

static bool same_shape(const rec_t *a, const rec_t *b) {
    if (strcmp(a->table, b->table) != 0 || a->n != b->n) return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->c[i].col, b->c[i].col) != 0) return false;
    return true;
}

static int flush(seed_t *sd) {
    if (!npending) return 0;
    buf_t sql = BUF_INIT;
    rec_sql(&pending[0], npending, &sql);
    db_stmt_t *s = db_prepare(sd->db, sql.data);
    buf_free(&sql);
    if (!s) return -1;
    for (int k = 0; k < npending; k++)
        rec_bind(s, k * pending[0].n, &pending[k]);
    int rc = db_step(s);
    db_reset(s);
    sd->rows += npending;
    npending = 0;
    return rc == DB_DONE ? 0 : -1;
}

static int rec_insert(seed_t *sd, const rec_t *r) {
    if (npending && (npending == BATCH || !same_shape(&pending[0], r)) && flush(sd) != 0) return -1;
    pending[npending++] = *r;
    return 0;
}

/* Inserts one record at once (after the pending ones) and gives its id. */
static int rec_insert_id(seed_t *sd, const rec_t *r, int64_t *id) {
    if (flush(sd) != 0) return -1;
    buf_t sql = BUF_INIT;
    rec_sql(r, 1, &sql);
    buf_puts(&sql, " RETURNING id");
    db_stmt_t *s = db_prepare(sd->db, sql.data);
    buf_free(&sql);
    if (!s) return -1;
    rec_bind(s, 0, r);
    int rc = db_step(s);
    if (rc == DB_ROW) *id = db_col_int(s, 0);
    db_reset(s);
    sd->rows++;
    return rc == DB_ROW ? 0 : -1;
}

/* Personal information as the engine stores it (engine_pi_encode). */
static int put_pi(seed_t *sd, rec_t *r, const char *plain, bool idcard) {
    char *enc = pi_encrypt(sd->keys, plain, strlen(plain));
    if (!enc) return -1;
    char m[64], idx[65];
    if (idcard) {
        mask_idcard(plain, m, sizeof(m));
        pi_blind_index(sd->keys, plain, idx); /* id_number is a filter: blind-indexed */
        put_s(r, "id_number_enc", enc);
        put_s(r, "id_number_masked", m);
        put_s(r, "id_number_index", idx);
    } else {
        mask_phone(plain, m, sizeof(m));
        put_s(r, "phone_enc", enc);
        put_s(r, "phone_masked", m);
    }
    free(enc);
    return 0;
}

/* The register's verification state: most records through review. */
static const char *verify_state(void) {
    int x = below(100);
    return x < 84 ? "approved" : x < 92 ? "checked" : "entered";
}

typedef struct office {
    int64_t id;
    char path[64], name[128], district[64], type[16], dcode[8];
    int64_t villages[3];
    int nvillages;
} office_t;

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                                       "朱", "马", "胡", "郭", "林", "何", "高", "沈", "顾", "陆", "蒋", "钱"};
static const char *const given_m[] = {"伟",   "强",   "磊",   "军",   "勇",   "杰", "涛", "明", "超",   "建华",
                                      "志强", "晓东", "文斌", "国平", "海峰", "俊", "浩", "斌", "立新", "卫东"};
static const char *const given_f[] = {"芳",   "娜",   "敏", "静", "丽", "艳", "娟", "秀英", "海燕", "晓红",
                                      "丽华", "佳怡", "雯", "婷", "慧", "玲", "洁", "琳",   "倩",   "颖"};
static const char *const majors[] = {"法学",       "法学",     "法学",   "行政管理",        "社会工作",
                                     "汉语言文学", "公共管理", "经济学", "计算机科学与技术"};
#define N(a) ((int)(sizeof(a) / sizeof(a[0])))

/* One staff member; its id into *id_out. */
static int seed_staff_one(seed_t *sd, const office_t *o, const char *post, const char *position, bool cert,
                          int join_year, int appoint_year, const char *status, int left_year, bool diverted,
                          int64_t *id_out) {
    rec_t r;
    rec_begin(&r, "staff", o->id, o->path, sd->now, verify_state());
    bool male = chance(50);
    char name[32], id[19], phone[12], birth[11];
    snprintf(name, sizeof(name), "%s%s", surnames[below(N(surnames))],
             male ? given_m[below(N(given_m))] : given_f[below(N(given_f))]);
    int by = 1962 + below(38), bm = 1 + below(12), bd = 1 + below(28);
    snprintf(birth, sizeof(birth), "%04d-%02d-%02d", by, bm, bd);
    int seq = below(500) * 2 + (male ? 1 : 0);
    snprintf(id, sizeof(id), "%.6s%04d%02d%02d%03d", o->dcode, by, bm, bd, seq);
    id[17] = idcard_check_char(id); /* a valid (fictitious) number */
    id[18] = '\0';
    snprintf(phone, sizeof(phone), "1%d%09u", 3 + below(7), rnd() % 1000000000u);
    put_s(&r, "name", name);
    put_s(&r, "gender", male ? "M" : "F");
    put_s(&r, "birth_date", birth);
    if (put_pi(sd, &r, id, true) != 0 || put_pi(sd, &r, phone, false) != 0) return -1;
    static const char *const edu[] = {"postgraduate", "bachelor",       "bachelor",
                                      "bachelor",     "junior_college", "senior_high"};
    put_s(&r, "education", edu[below(N(edu))]);
    put_s(&r, "major", majors[below(N(majors))]);
    put_s(&r, "party_membership", chance(70) ? "cpc_member" : chance(50) ? "masses" : "cyl_member");
    put_s(&r, "post_type", post);
    put_s(&r, "position", position);
    put_date(&r, "joined_on", join_year, 1 + below(12), 1 + below(28));
    if (appoint_year) put_date(&r, "appointed_on", appoint_year, 1 + below(12), 1 + below(28));
    if (left_year) put_date(&r, "left_on", left_year, 1 + below(12), 1 + below(28));
    put_s(&r, "status", status);
    if (cert) {
        int cy = 2002 + below(21);
        char cn[32];
        snprintf(cn, sizeof(cn), "A2%03d%010u", cy % 1000, rnd() % 1000000000u);
        put_s(&r, "cert_number", cn);
        put_s(&r, "cert_class", chance(85) ? "A" : chance(50) ? "B" : "C");
        put_date(&r, "cert_date", cy, 3 + below(9), 1 + below(28));
    }
    if (strcmp(post, "political_legal") == 0 || strcmp(post, "other_admin") == 0) {
        char en[32];
        snprintf(en, sizeof(en), "沪执%05u", rnd() % 100000u);
        put_s(&r, "enforcement_cert_number", en);
        put_date(&r, "enforcement_cert_expiry", 2023 + below(5), 1 + below(12), 1 + below(28));
    }
    put_i(&r, "post_diverted", diverted);
    if (diverted) put_s(&r, "diverted_note", "长期借调街道办事处其他科室工作");
    return rec_insert_id(sd, &r, id_out);
}

static int seed_office(seed_t *sd, const office_t *o) {
    rec_t r;
    char b[200];
    bool street = strcmp(o->type, "街道") == 0;

    /* 1. profile */
    rec_begin(&r, "office_profile", o->id, o->path, sd->now, verify_state());
    put_s(&r, "office_type", street ? "subdistrict" : chance(90) ? "town" : "township");
    put_s(&r, "rank", chance(80) ? "section" : chance(70) ? "deputy_division" : "deputy_section");
    int est = 1985 + below(20);
    put_date(&r, "established_on", est, 1 + below(12), 1 + below(28));
    snprintf(b, sizeof(b), "%s编〔%d〕%d号", o->district, est, 1 + below(80));
    put_s(&r, "approval_doc", b);
    bool filed = chance(92);
    put_s(&r, "filing_status", filed ? "filed" : chance(50) ? "pending" : "not_filed");
    if (filed) put_date(&r, "filed_on", 2022, 3 + below(9), 1 + below(28));
    int posts = chance(78) ? 4 + below(3) : 2 + below(2); /* clause 15: some below 4 */
    put_i(&r, "approved_posts", posts);
    static const char *const roads[] = {"中山路", "人民路", "建设路", "解放路", "文化路", "新华路", "和平路", "胜利路"};
    snprintf(b, sizeof(b), "上海市%s%s%d号", o->district, roads[below(N(roads))], 1 + below(999));
    put_s(&r, "address", b);
    snprintf(b, sizeof(b), "021-%d%07u", 5 + below(5), rnd() % 10000000u);
    put_s(&r, "phone", b);
    put_s(&r, "service_hours", chance(80) ? "周一至周五 9:00-17:00" : "周一至周六 8:30-17:30");
    bool contact = chance(15);
    put_i(&r, "contact_point", contact);
    if (contact) put_date(&r, "contact_point_since", 2022 + below(3), 1 + below(12), 1 + below(28));
    put_i(&r, "station_colocated", chance(92));
    put_i(&r, "director_attends_meetings", chance(85));
    if (rec_insert(sd, &r) != 0) return -1;

    /* 3. staff: the dedicated posts actually filled, a director, auxiliaries */
    bool no_cert_office = chance(10); /* clause 16: no certificate holder */
    int dedicated = posts - (chance(30) ? 1 : 0);
    int64_t ids[12];
    int nstaff = 0;
    for (int k = 0; k < dedicated && nstaff < 12; k++) {
        const char *pos = k == 0 ? "director" : (k == 1 && chance(50)) ? "deputy_director" : "staff";
        int join = 2005 + below(20);
        int appoint = k < 2 ? (chance(40) ? 2022 + below(3) : 2012 + below(10)) : 0;
        if (appoint && appoint < join) appoint = join;
        /* a director appointed after 2022-08-04 without the certificate now and then */
        bool cert = !no_cert_office && (k == 0 ? chance(75) : chance(45));
        const char *status = chance(90) ? "on_duty" : chance(50) ? "seconded" : "off_post";
        bool diverted = k > 0 && chance(6);
        if (seed_staff_one(sd, o, "political_legal", pos, cert, join, appoint, status, 0, diverted, &ids[nstaff]) != 0)
            return -1;
        nstaff++;
    }
    static const char *const aux[] = {"aux_purchased",      "aux_recruited", "clerk",
                                      "public_institution", "legal_adviser", "aux_police"};
    int naux = 1 + below(4);
    for (int k = 0; k < naux && nstaff < 12; k++) {
        bool retired = chance(8);
        if (seed_staff_one(sd, o, aux[below(N(aux))], "staff", !no_cert_office && chance(15), 2008 + below(17), 0,
                           retired ? "retired" : "on_duty", retired ? 2023 + below(2) : 0, false, &ids[nstaff]) != 0)
            return -1;
        nstaff++;
    }

    /* 4. training, commendations, rotations and stints */
    static const char *const courses[] = {"新任司法所长培训班",   "人民调解业务培训",     "社区矫正执法规范化培训",
                                          "行政执法人员资格培训", "法治政府建设专题培训", "公共法律服务能力提升培训"};
    static const char *const kinds[] = {"induction", "business", "business", "rotation", "special"};
    for (int k = 0; k < nstaff; k++) {
        int nt = below(3);
        for (int t = 0; t < nt; t++) {
            rec_begin(&r, "staff_training", o->id, o->path, sd->now, verify_state());
            put_i(&r, "staff_id", ids[k]);
            put_s(&r, "title", courses[below(N(courses))]);
            put_s(&r, "kind", kinds[below(N(kinds))]);
            put_s(&r, "organizer", chance(50) ? "上海市司法局" : "区司法局");
            int y = 2022 + below(3), m = 1 + below(11), d = 1 + below(20);
            put_date(&r, "start_on", y, m, d);
            put_date(&r, "end_on", y, m, d + 1 + below(5));
            put_i(&r, "hours", (8 + below(32)) * 10);
            if (rec_insert(sd, &r) != 0) return -1;
        }
    }
    if (chance(30)) {
        rec_begin(&r, "commendation", o->id, o->path, sd->now, verify_state());
        bool personal = chance(50);
        if (personal) put_i(&r, "staff_id", ids[below(nstaff)]);
        put_s(&r, "title", personal ? "优秀司法所长" : "先进司法所");
        static const char *const lv[] = {"ministerial", "city", "city", "district", "district"};
        put_s(&r, "level", lv[below(N(lv))]);
        put_s(&r, "awarded_by", chance(50) ? "上海市司法局" : "区人民政府");
        put_date(&r, "awarded_on", 2022 + below(3), 1 + below(12), 1 + below(28));
        snprintf(b, sizeof(b), "沪司发〔%d〕%d号", 2022 + below(3), 10 + below(90));
        put_s(&r, "doc_number", b);
        if (rec_insert(sd, &r) != 0) return -1;
    }
    if (chance(40)) {
        rec_begin(&r, "staff_rotation", o->id, o->path, sd->now, verify_state());
        bool city = chance(50);
        snprintf(b, sizeof(b), "%s%s", surnames[below(N(surnames))], given_m[below(N(given_m))]);
        put_s(&r, "person_name", b);
        put_s(&r, "kind", city ? "city_stint" : chance(50) ? "district_stint" : "rotation");
        put_s(&r, "home_unit", city ? "上海市司法局基层工作处" : "区司法局");
        put_s(&r, "post", "司法所副所长 (挂职)");
        int y = 2022 + below(3), m = 1 + below(6);
        put_date(&r, "start_on", y, m, 1);
        put_date(&r, "end_on", y, m + 6, 1);
        if (rec_insert(sd, &r) != 0) return -1;
    }

    /* 5. premises (clause 18) */
    rec_begin(&r, "premises", o->id, o->path, sd->now, verify_state());
    snprintf(b, sizeof(b), "上海市%s%s%d号", o->district, roads[below(N(roads))], 1 + below(999));
    put_s(&r, "address", b);
    put_date(&r, "in_use_from", 2008 + below(14), 1 + below(12), 1 + below(28));
    bool clear = chance(90);
    put_i(&r, "property_clear", clear);
    put_s(&r, "property_note", clear ? "街道(乡镇)产权, 无偿使用" : "租赁用房, 产权证明尚未办理");
    put_i(&r, "floor_area", (int64_t)(80 + below(320)) * 100 + below(100));
    put_i(&r, "has_business_room", 1);
    put_i(&r, "has_archive_room", chance(90));
    put_i(&r, "has_duty_room", chance(85));
    put_i(&r, "has_mediation_room", chance(95));
    put_i(&r, "has_announcement_room", chance(75));
    int sg = below(100);
    if (sg < 80) { /* finished: most by the end of 2023, some late */
        put_s(&r, "signage_status", "done");
        int y = sg < 70 ? 2022 + below(2) : 2024;
        put_date(&r, "signage_done_on", y, 1 + below(12), 1 + below(28));
    } else {
        put_s(&r, "signage_status", sg < 92 ? "in_progress" : "not_started");
    }
    if (rec_insert(sd, &r) != 0) return -1;

    /* 6. equipment against the standard list (clause 19) */
    static const struct {
        const char *item, *cat;
        int min, renew;
    } std[] = {{"computer", "office_comm", 4, 6},
               {"printer", "office_comm", 1, 6},
               {"fax_scanner", "office_comm", 1, 8},
               {"video_conference", "office_comm", 1, 8},
               {"body_camera", "law_enforcement", 2, 5},
               {"mobile_terminal", "law_enforcement", 2, 5},
               {"id_reader", "law_enforcement", 1, 6},
               {"duty_car", "vehicle", 1, 8},
               {"e_bike", "vehicle", 1, 6}};
    for (int k = 0; k < N(std); k++) {
        if (chance(5)) continue; /* not equipped at all */
        rec_begin(&r, "equipment", o->id, o->path, sd->now, verify_state());
        put_s(&r, "item", std[k].item);
        put_s(&r, "category", std[k].cat);
        put_i(&r, "quantity", chance(88) ? std[k].min + below(3) : std[k].min - 1);
        int y = 2014 + below(10), m = 1 + below(12), d = 1 + below(28);
        put_date(&r, "acquired_on", y, m, d);
        put_date(&r, "renewal_due", y + std[k].renew, m, d);
        if (rec_insert(sd, &r) != 0) return -1;
    }

    /* 7. funding: 2022–2024, five categories (clause 20) */
    static const char *const cats[] = {"personnel", "public_use", "equipment", "infrastructure", "casework"};
    static const int base[] = {1200000, 300000, 80000, 150000, 60000};
    for (int y = 2022; y <= 2024; y++)
        for (int k = 0; k < 5; k++) {
            if (chance(6)) continue; /* a category missing from the year's budget */
            rec_begin(&r, "funding", o->id, o->path, sd->now, verify_state());
            put_i(&r, "year", y);
            put_s(&r, "category", cats[k]);
            put_i(&r, "amount", ((int64_t)base[k] + below(base[k] / 2)) * 100);
            put_i(&r, "in_budget", chance(93));
            put_s(&r, "source", chance(70) ? "district" : "township");
            if (rec_insert(sd, &r) != 0) return -1;
        }

    /* 8. party branch, rules, extension to villages */
    rec_begin(&r, "party_branch", o->id, o->path, sd->now, verify_state());
    bool independent = chance(60);
    snprintf(b, sizeof(b), "%s%s", o->name, independent ? "党支部" : "联合党支部");
    put_s(&r, "name", b);
    put_s(&r, "kind", independent ? "independent" : "joint");
    snprintf(b, sizeof(b), "%s%s", surnames[below(N(surnames))], given_m[below(N(given_m))]);
    put_s(&r, "secretary", b);
    put_i(&r, "members", 3 + below(6));
    put_date(&r, "established_on", 2000 + below(20), 1 + below(12), 1 + below(28));
    put_date(&r, "last_election_on", 2021 + below(3), 1 + below(12), 1 + below(28));
    if (rec_insert(sd, &r) != 0) return -1;
    static const struct {
        const char *title, *cat;
    } rules[] = {{"司法所学习制度", "study"},     {"考勤和请销假制度", "attendance"}, {"值班备勤制度", "duty"},
                 {"档案管理制度", "archive"},     {"保密工作制度", "secrecy"},        {"廉政风险防控制度", "integrity"},
                 {"重大事项报告制度", "business"}};
    for (int k = 0; k < N(rules); k++) {
        if (chance(35)) continue;
        rec_begin(&r, "office_rule", o->id, o->path, sd->now, verify_state());
        put_s(&r, "title", rules[k].title);
        put_s(&r, "category", rules[k].cat);
        put_date(&r, "adopted_on", 2015 + below(8), 1 + below(12), 1 + below(28));
        if (chance(50))
            put_date(&r, "revised_on", 2022 + below(3), 1 + below(12), 1 + below(28));
        else
            put_s(&r, "revised_on", NULL);
        put_i(&r, "in_force", 1);
        if (rec_insert(sd, &r) != 0) return -1;
    }
    static const char *const ext[] = {"village_adviser", "service_room", "mediation_link", "legal_literate",
                                      "observation_point"};
    for (int k = 0; k < o->nvillages; k++) {
        rec_begin(&r, "village_extension", o->id, o->path, sd->now, verify_state());
        put_i(&r, "village_id", o->villages[k]);
        put_s(&r, "kind", ext[below(N(ext))]);
        put_date(&r, "started_on", 2019 + below(6), 1 + below(12), 1 + below(28));
        put_s(&r, "note", "每月到村(居)开展法律服务、矛盾排查不少于一次");
        if (rec_insert(sd, &r) != 0) return -1;
    }
    return 0;
}

/* Two changes in progress, so the office-change list is not empty. */
static int seed_changes(seed_t *sd) {
    db_stmt_t *s =
        db_prepare(sd->db, "SELECT d.id, d.path, d.name, o.id FROM org_units d JOIN org_units o ON o.parent_id = d.id "
                           "WHERE d.name = '浦东新区司法局' AND o.level = 'office' ORDER BY o.id LIMIT 1");
    if (!s) return -1;
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return 0; /* a tree without 浦东 (tests): nothing to show */
    }
    int64_t did = db_col_int(s, 0), oid = db_col_int(s, 3);
    char dpath[64];
    snprintf(dpath, sizeof(dpath), "%s", db_col_text(s, 1));
    db_reset(s);
    rec_t r;
    rec_begin(&r, "office_change", did, dpath, sd->now, "draft");
    put_s(&r, "change_type", "establish");
    put_s(&r, "new_name", "临港新片区司法所");
    put_s(&r, "new_type", "dev_zone");
    put_s(&r, "new_rank", "section");
    put_s(&r, "effective_on", "2027-01-01");
    put_s(&r, "reason", "临港新片区承担社会管理职能, 依方案第 14 条设立司法所");
    if (rec_insert(sd, &r) != 0) return -1;
    rec_begin(&r, "office_change", did, dpath, sd->now, "submitted");
    put_s(&r, "change_type", "change_rank");
    put_i(&r, "office_id", oid);
    put_s(&r, "new_rank", "deputy_division");
    put_s(&r, "effective_on", "2026-12-31");
    put_s(&r, "reason", "辖区人口超过 20 万, 机构规格调整");
    put_s(&r, "approval_doc", "浦编〔2026〕18号");
    put_s(&r, "approval_date", "2026-11-20");
    return rec_insert(sd, &r);
}

int demo_seed_registers(db_t *db, const keys_t *keys, char *err, size_t errlen) {
    rng_state = 20220804; /* the day clause 16's rule for new directors starts */
    seed_t sd = {db, keys, "2026-11-01T00:00:00Z", 0};
    office_t *offices = calloc(512, sizeof(office_t));
    if (!offices) return snprintf(err, errlen, "内存不足"), -1;
    int n = 0;
    db_stmt_t *s = db_prepare(db, "SELECT o.id, o.path, o.name, COALESCE(o.type, ''), d.name, COALESCE(d.code, '') "
                                  "FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                                  "WHERE o.level = 'office' ORDER BY o.id");
    if (!s) goto fail;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && n < 512) {
        office_t *o = &offices[n++];
        o->id = db_col_int(s, 0);
        snprintf(o->path, sizeof(o->path), "%s", db_col_text(s, 1));
        snprintf(o->name, sizeof(o->name), "%s", db_col_text(s, 2));
        snprintf(o->type, sizeof(o->type), "%s", db_col_text(s, 3));
        const char *dn = db_col_text(s, 4), *suffix = strstr(dn, "司法局");
        snprintf(o->district, sizeof(o->district), "%.*s", suffix ? (int)(suffix - dn) : (int)strlen(dn), dn);
        const char *c = db_col_text(s, 5);
        snprintf(o->dcode, sizeof(o->dcode), "%.6s", strlen(c) >= 6 && c[0] >= '1' && c[0] <= '9' ? c : "310115");
    }
    db_reset(s);
    if (rc < 0) goto fail;
    s = db_prepare(db, "SELECT parent_id, id FROM org_units WHERE level = 'village' ORDER BY parent_id, id");
    if (!s) goto fail;
    int k = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t p = db_col_int(s, 0);
        while (k < n && offices[k].id < p)
            k++;
        if (k < n && offices[k].id == p && offices[k].nvillages < 1 + (int)(offices[k].id % 3))
            offices[k].villages[offices[k].nvillages++] = db_col_int(s, 1);
    }
    db_reset(s);
    if (rc != DB_DONE || db_begin(db) != 0) goto fail;
    for (int i = 0; i < n; i++)
        if (seed_office(&sd, &offices[i]) != 0) goto fail_tx;
    if (seed_changes(&sd) != 0 || flush(&sd) != 0 || db_commit(db) != 0) goto fail_tx;
    free(offices);
    return 0;
fail_tx:
    npending = 0;
    db_rollback(db);
fail:
    free(offices);
    snprintf(err, errlen, "载入演示台账失败: %s", db_errmsg(db));
    return -1;
}
