/* demo.c — the demo organisation tree for `sifasuo init --demo`.
 *
 * Real names wherever the data has them (the city bureau, the departments
 * the plan 沪司发〔2022〕46号 names, the 16 district bureaus with their
 * GB/T 2260 codes, one 司法所 per township of data/shanghai-townships.csv);
 * generated names below that.  Every choice comes from one fixed-seed PRNG
 * walked in a fixed order, so every fresh store gets the same rows and ids.
 *
 * The tree above the villages is planned in memory first, breadth-first, then
 * inserted in that order (ids of one level are consecutive); villages are
 * generated while they are inserted.  All in one transaction with a few
 * cached statements, so the 163,000-row national tree takes seconds. */
#include "cmd/demo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/demo_data.h"
#include "util/buf.h"

#define DEMO_SEED 20221 /* any fixed value: the same seed gives the same tree */
#define DEFAULT_VALID_FROM "2022-01-01"
#define NATION_OFFICES 40000 /* DOMAIN.md: roughly 40,000 judicial offices nationally */
#define NATION_VILLAGES_PER_OFFICE 3

/* ---- deterministic PRNG (splitmix64: tiny, full period, good enough for demo data) ---- */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1). */
static double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
static uint32_t rng_below(rng_t *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }

/* ---- generated two-character names ---- */

/* Characters common in Shanghai place names; pairs such as 康乐, 金桥, 梅园. */
static const char *const name_first[] = {
    "华", "新", "康", "金", "虹", "枫", "梅", "松", "兴", "永", "长", "安", "福", "泰", "宝", "明",
    "建", "和", "平", "东", "西", "南", "北", "江", "春", "德", "光", "龙", "凤", "玉", "景", "锦",
    "祥", "瑞", "丰", "盛", "嘉", "怡", "静", "清", "文", "桂", "芳", "荷", "桃", "兰", "竹", "民",
};
static const char *const name_second[] = {
    "园", "苑", "城", "桥", "港", "浜", "泾", "塘", "湾", "林", "庄", "宅", "浦", "家",
    "山", "亭", "湖", "河", "坊", "里", "华", "新", "安", "福", "阳", "丰", "乐", "宁",
    "兴", "荣", "盛", "和", "平", "泉", "溪", "苗", "星", "联", "光", "明",
};
#define N_FIRST (sizeof(name_first) / sizeof(name_first[0]))
#define N_SECOND (sizeof(name_second) / sizeof(name_second[0]))

/* Walks the first×second pairs in a random order with no repeats (a stride
 * coprime with the pair count visits each pair once), so siblings get
 * distinct names without keeping a set. */
typedef struct namer {
    uint64_t start, stride, k;
} namer_t;

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void namer_init(namer_t *nm, rng_t *r) {
    uint64_t n = N_FIRST * N_SECOND;
    nm->start = rng_below(r, (uint32_t)n);
    nm->stride = 1 + rng_below(r, (uint32_t)(n - 1));
    while (gcd_u64(nm->stride, n) != 1) nm->stride++;
    nm->k = 0;
}

/* Writes the next two-character name; skips doubled characters (华华). */
static void namer_next(namer_t *nm, char *out, size_t n) {
    for (;;) {
        uint64_t idx = (nm->start + nm->k++ * nm->stride) % (N_FIRST * N_SECOND);
        const char *a = name_first[idx / N_SECOND], *b = name_second[idx % N_SECOND];
        if (strcmp(a, b) == 0) continue;
        snprintf(out, n, "%s%s", a, b);
        return;
    }
}

/* ---- largest-remainder allocation ---- */

/* Splits total into n parts proportional to w (each at least min_each when
 * total allows), summing exactly to total. */
static void allocate(int total, int n, const double *w, int min_each, int *out) {
    if (n <= 0) return;
    if (total < min_each * n) min_each = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) sum += w[i];
    int rest = total - min_each * n, given = 0;
    double *frac = malloc((size_t)n * sizeof(double));
    if (!frac) abort();
    for (int i = 0; i < n; i++) {
        double share = sum > 0 ? rest * w[i] / sum : (double)rest / n;
        int whole = (int)share;
        out[i] = min_each + whole;
        frac[i] = share - whole;
        given += whole;
    }
    for (; given < rest; given++) { /* ties go to the lower index: deterministic */
        int best = 0;
        for (int i = 1; i < n; i++)
            if (frac[i] > frac[best]) best = i;
        out[best]++;
        frac[best] = -1;
    }
    free(frac);
}

/* ---- embedded CSV ---- */

typedef struct table {
    char *text;   /* owned copy, cut into cells in place */
    char **cells; /* rows × ncols, header row first */
    int nrows, ncols;
} table_t;

static void table_free(table_t *t) {
    free(t->text);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

/* Loads an embedded CSV (no quoting in our data files). */
static int table_load(table_t *t, const char *file, char *err, size_t errlen) {
    memset(t, 0, sizeof(*t));
    const char *src = NULL;
    for (const demo_file_t *f = demo_files; f->name; f++)
        if (strcmp(f->name, file) == 0) src = f->text;
    if (!src) {
        snprintf(err, errlen, "程序未内置演示数据 %s", file);
        return -1;
    }
    t->text = strdup(src);
    if (!t->text) abort();
    size_t cap = 0;
    for (char *line = t->text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[--len] = '\0';
        if (!len) continue;
        int n = 1;
        for (char *p = line; *p; p++) n += *p == ',';
        if (t->nrows == 0) t->ncols = n;
        if (n != t->ncols) {
            snprintf(err, errlen, "演示数据 %s 第 %d 行有 %d 列, 应为 %d 列", file, t->nrows + 1, n, t->ncols);
            table_free(t);
            return -1;
        }
        if ((size_t)(t->nrows + 1) * (size_t)n > cap) {
            cap = cap ? cap * 2 : 1024;
            while (cap < (size_t)(t->nrows + 1) * (size_t)n) cap *= 2;
            t->cells = realloc(t->cells, cap * sizeof(char *));
            if (!t->cells) abort();
        }
        char **row = t->cells + (size_t)t->nrows * (size_t)n;
        for (int i = 0; i < n; i++) {
            row[i] = line;
            line = strchr(line, ',');
            if (line) *line++ = '\0';
        }
        t->nrows++;
    }
    if (t->nrows < 2) {
        snprintf(err, errlen, "演示数据 %s 为空", file);
        table_free(t);
        return -1;
    }
    return 0;
}

static int table_col(const table_t *t, const char *name) {
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cells[i], name) == 0) return i;
    return -1;
}

static const char *table_cell(const table_t *t, int row, int col) {
    return t->cells[(size_t)row * (size_t)t->ncols + (size_t)col];
}

/* ---- the plan: units above the villages, breadth-first ---- */

typedef enum { OFFICE_NONE, OFFICE_STREET, OFFICE_TOWN, OFFICE_TOWNSHIP } office_kind_t;

typedef struct plan_unit {
    int parent; /* index in the plan; -1 for the root */
    const char *level;
    office_kind_t kind; /* offices only: 街道 / 镇 / 乡 */
    char name[72];
    char code[32];
    const char *valid_from;
    int res, vil; /* offices: 居委会 and 村委会 to generate below */
    /* set when inserted */
    int64_t id;
    int depth;
} plan_unit_t;

typedef struct plan {
    plan_unit_t *u;
    int n, cap;
} plan_t;

static plan_unit_t *plan_add(plan_t *p, int parent, const char *level, const char *name, const char *code) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->u = realloc(p->u, (size_t)p->cap * sizeof(plan_unit_t));
        if (!p->u) abort();
    }
    plan_unit_t *u = &p->u[p->n++];
    memset(u, 0, sizeof(*u));
    u->parent = parent;
    u->level = level;
    u->valid_from = DEFAULT_VALID_FROM;
    snprintf(u->name, sizeof(u->name), "%s", name);
    snprintf(u->code, sizeof(u->code), "%s", code);
    return u;
}

/* A child's code: the parent's code + a 3-digit sequence, as the statistical
 * division codes nest (310115 → 310115001 → 310115001001).  Callers keep
 * seq within 1..999. */
static void child_code(char *out, size_t n, const char *parent, int seq) {
    snprintf(out, n, "%.12s%03u", parent, (unsigned)seq % 1000u); /* our parents' codes have ≤ 9 digits */
}

static const char *office_type(office_kind_t k) {
    /* the org_units.type values: 街道 for a subdistrict, 乡镇 for a town or township */
    return k == OFFICE_STREET ? "街道" : k == OFFICE_NONE ? NULL : "乡镇";
}

/* ---- writing ----
 *
 * A path holds the unit's own id, known only after its insert.  So rows go in
 * with a placeholder path ("#" + code: unique, as codes are), and at the end
 * one UPDATE per depth, top down, sets every path from its parent's: a few
 * set-based statements rather than an UPDATE per row, in portable SQL.
 * Rows go in INSERT_BATCH at a time (RETURNING id, code: matched by code, as
 * neither engine promises RETURNING order); a row whose parent is still
 * queued waits for the next batch.  Round trips are PostgreSQL's cost: for
 * the nation tree, one INSERT + one UPDATE per row took 33 s there, this ~6 s. */

#define INSERT_BATCH 64 /* 512 parameters a statement, far below both engines' limits */

typedef struct row {
    int64_t parent_id;
    int depth;
    const char *level, *type, *valid_from;
    char name[72];
    char code[32];
    int64_t *id_out; /* where the new id goes; NULL when nobody needs it (villages) */
} row_t;

typedef struct seeder {
    db_t *db;
    rng_t rng;
    char *err;
    size_t errlen;
    row_t queue[INSERT_BATCH];
    int nqueue;
    buf_t batch_sql; /* the multi-row INSERT, built once from constants */
} seeder_t;

#define INSERT_HEAD "INSERT INTO org_units (parent_id, path, depth, level, type, name, code, valid_from) VALUES "
#define INSERT_ROW1 "($1, $2, $3, $4, $5, $6, $7, $8)"
#define INSERT_TAIL " RETURNING id, code"

static int store_fail(seeder_t *sd, const char *name) {
    snprintf(sd->err, sd->errlen, "写入组织机构「%s」失败: %s", name, db_errmsg(sd->db));
    return -1;
}

/* Binds r to parameters $(base+1) … $(base+8). */
static int bind_row(db_stmt_t *s, int base, const row_t *r) {
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "#%s", r->code);
    int brc = r->parent_id ? db_bind_int(s, base + 1, r->parent_id) : db_bind_null(s, base + 1);
    brc |= db_bind_text(s, base + 2, tmp, -1);
    brc |= db_bind_int(s, base + 3, r->depth);
    brc |= db_bind_text(s, base + 4, r->level, -1);
    brc |= db_bind_text(s, base + 5, r->type, -1);
    brc |= db_bind_text(s, base + 6, r->name, -1);
    brc |= db_bind_text(s, base + 7, r->code, -1);
    brc |= db_bind_text(s, base + 8, r->valid_from, -1);
    return brc;
}

/* Inserts rows[0..n) with one statement (n is 1 or INSERT_BATCH) and hands
 * out the new ids. */
static int insert_rows(seeder_t *sd, row_t *rows, int n) {
    if (n > 1 && !sd->batch_sql.len) {
        buf_puts(&sd->batch_sql, INSERT_HEAD);
        for (int i = 0; i < INSERT_BATCH; i++) {
            int b = i * 8;
            buf_printf(&sd->batch_sql, "%s($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", i ? ", " : "", b + 1, b + 2, b + 3,
                       b + 4, b + 5, b + 6, b + 7, b + 8);
        }
        buf_puts(&sd->batch_sql, INSERT_TAIL);
    }
    db_stmt_t *s = db_prepare(sd->db, n > 1 ? sd->batch_sql.data : INSERT_HEAD INSERT_ROW1 INSERT_TAIL);
    if (!s) return store_fail(sd, rows[0].name);
    int brc = 0;
    for (int i = 0; i < n; i++) brc |= bind_row(s, i * 8, &rows[i]);
    int rc = brc ? DB_ERR : DB_ROW, got = 0;
    while (rc == DB_ROW && (rc = db_step(s)) == DB_ROW) {
        got++;
        const char *code = db_col_text(s, 1);
        for (int i = 0; i < n; i++)
            if (rows[i].id_out && code && strcmp(rows[i].code, code) == 0) *rows[i].id_out = db_col_int(s, 0);
    }
    db_reset(s);
    return rc == DB_DONE && got == n ? 0 : store_fail(sd, rows[0].name);
}

/* Writes the queue: a full batch in one statement, a shorter one row by row. */
static int flush_queue(seeder_t *sd) {
    int n = sd->nqueue;
    sd->nqueue = 0;
    if (n == INSERT_BATCH) return insert_rows(sd, sd->queue, n);
    for (int i = 0; i < n; i++)
        if (insert_rows(sd, &sd->queue[i], 1) != 0) return -1;
    return 0;
}

static int queue_row(seeder_t *sd, const row_t *r) {
    sd->queue[sd->nqueue++] = *r;
    return sd->nqueue == INSERT_BATCH ? flush_queue(sd) : 0;
}

/* Sets the real paths, depth by depth from the root (see above). */
static int set_paths(seeder_t *sd, int max_depth) {
    for (int d = 0; d <= max_depth; d++) {
        db_stmt_t *s = db_prepare(sd->db, d == 0 ? "UPDATE org_units SET path = '/' || CAST(id AS TEXT) || '/' "
                                                   "WHERE depth = $1 AND parent_id IS NULL AND path LIKE '#%'"
                                                 : "UPDATE org_units SET path = (SELECT p.path FROM org_units p WHERE "
                                                   "p.id = org_units.parent_id) || CAST(id AS TEXT) || '/' "
                                                   "WHERE depth = $1 AND path LIKE '#%'");
        if (!s) return store_fail(sd, "(路径)");
        int rc = db_bind_int(s, 1, d) ? DB_ERR : db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return store_fail(sd, "(路径)");
    }
    return 0;
}

static int insert_plan(seeder_t *sd, plan_t *p) {
    for (int i = 0; i < p->n; i++) {
        plan_unit_t *u = &p->u[i];
        const plan_unit_t *par = u->parent >= 0 ? &p->u[u->parent] : NULL;
        if (par && !par->id && flush_queue(sd) != 0) return -1; /* the parent is still queued */
        if (par && !par->id) return store_fail(sd, u->name);
        u->depth = par ? par->depth + 1 : 0;
        row_t r = {.parent_id = par ? par->id : 0,
                   .depth = u->depth,
                   .level = u->level,
                   .type = office_type(u->kind),
                   .valid_from = u->valid_from,
                   .id_out = &u->id};
        snprintf(r.name, sizeof(r.name), "%s", u->name);
        snprintf(r.code, sizeof(r.code), "%s", u->code);
        if (queue_row(sd, &r) != 0) return -1;
    }
    return flush_queue(sd);
}

/* Generates the 居委会 and 村委会 under every office of the plan.  Codes
 * follow the statistical division codes: office code + 001… for 居委会,
 * + 201… for 村委会 (the 1xx/2xx split of the NBS code list). */
static int insert_villages(seeder_t *sd, const plan_t *p) {
    for (int i = 0; i < p->n; i++) {
        const plan_unit_t *o = &p->u[i];
        if (o->kind == OFFICE_NONE) continue;
        int vil_base = o->res < 200 ? 201 : o->res + 1;
        if (vil_base + o->vil > 1000) {
            snprintf(sd->err, sd->errlen, "%s 下的村(居)委会过多 (%d 个), 三位编码不够", o->name, o->res + o->vil);
            return -1;
        }
        namer_t nm;
        namer_init(&nm, &sd->rng);
        for (int j = 0; j < o->res + o->vil; j++) {
            bool res = j < o->res;
            row_t r = {.parent_id = o->id,
                       .depth = o->depth + 1,
                       .level = "village",
                       .type = res ? "居" : "村",
                       .valid_from = o->valid_from};
            char stem[16];
            namer_next(&nm, stem, sizeof(stem));
            if (res) {
                /* most committees carry the estate's name; some the 新村 / 花园 they serve */
                uint32_t pick = rng_below(&sd->rng, 20);
                snprintf(r.name, sizeof(r.name), "%s%s居委会", stem, pick < 3 ? "新村" : pick < 5 ? "花园" : "");
            } else {
                snprintf(r.name, sizeof(r.name), "%s村村委会", stem);
            }
            child_code(r.code, sizeof(r.code), o->code, res ? j + 1 : vil_base + (j - o->res));
            if (queue_row(sd, &r) != 0) return -1;
        }
    }
    return flush_queue(sd);
}

/* ---- Shanghai ---- */

/* The departments (处室) of 上海市司法局 that the plan names as guiding
 * departments (指导部门) of its 21 tasks, 办公室 first, then roughly by
 * business line; 促进法治处 guides office construction (clauses 5, 7, 10,
 * 11, 13–16, 18, 21). */
static const char *const sh_departments[] = {
    "办公室",     "秘书处",     "督察处",     "立法一处",   "立法二处", "立法三处", "执法监督处",
    "复议受理处", "应诉协调处", "促进法治处", "普法治理处", "律工处",   "刑罚处",   "安帮处",
    "计装处",     "信息处",     "人事处",     "干部处",     "党群处",   "监查处",
};

/* The 16 districts, GB/T 2260 codes.  res/vil are used only where
 * data/shanghai-districts.csv leaves the count blank: they are estimates, not
 * sourced figures, chosen so that with the CSV's figures the city comes to
 * about the README's early-2025 totals (5,025 居委会, 1,553 村委会). */
typedef struct sh_district {
    const char *name, *code;
    int res, vil;
} sh_district_t;

static const sh_district_t sh_districts[] = {
    {"黄浦区", "310101", 171, 0},   {"徐汇区", "310104", 311, 0},     {"长宁区", "310105", 185, 0},
    {"静安区", "310106", 264, 1},   {"普陀区", "310107", 285, 0},     {"虹口区", "310109", 212, 0},
    {"杨浦区", "310110", 315, 0},   {"闵行区", "310112", 620, 115},   {"宝山区", "310113", 490, 104},
    {"嘉定区", "310114", 320, 142}, {"浦东新区", "310115", 910, 365}, {"金山区", "310116", 110, 124},
    {"松江区", "310117", 320, 84},  {"青浦区", "310118", 210, 184},   {"奉贤区", "310120", 200, 172},
    {"崇明区", "310151", 101, 262},
};
#define N_SH_DISTRICTS (int)(sizeof(sh_districts) / sizeof(sh_districts[0]))

/* Offices that did not exist on DEFAULT_VALID_FROM (data/README.md: 头桥街道
 * was created in mid-2024; the exact day is not in the data). */
static const struct {
    const char *district, *township, *valid_from;
} sh_late_offices[] = {
    {"奉贤区", "头桥街道", "2024-07-01"},
};

/* Blank or missing cell → -1. */
static int cell_int(const char *s) { return s && *s ? atoi(s) : -1; }

/* Adds Shanghai's 16 district bureaus under plan unit parent, then their
 * offices (one per township row).  With villages_per_office > 0 every office
 * gets that many (a 街道 only 居委会, a 镇 one 居委会 and the rest 村委会, a 乡
 * only 村委会); otherwise the district's counts are spread over its offices. */
static int plan_shanghai(seeder_t *sd, plan_t *p, int parent, int villages_per_office) {
    table_t dist, town;
    if (table_load(&dist, "shanghai-districts.csv", sd->err, sd->errlen) != 0) return -1;
    if (table_load(&town, "shanghai-townships.csv", sd->err, sd->errlen) != 0) {
        table_free(&dist);
        return -1;
    }
    int rc = -1;
    int dc_name = table_col(&dist, "district"), dc_res = table_col(&dist, "residential_committees"),
        dc_vil = table_col(&dist, "villages");
    int tc_dist = table_col(&town, "district"), tc_name = table_col(&town, "name"), tc_type = table_col(&town, "type");
    if (dc_name < 0 || dc_res < 0 || dc_vil < 0 || tc_dist < 0 || tc_name < 0 || tc_type < 0) {
        snprintf(sd->err, sd->errlen, "内置的上海区划数据缺少必要的列");
        goto done;
    }
    int first_district = p->n;
    for (int d = 0; d < N_SH_DISTRICTS; d++) {
        char name[64];
        snprintf(name, sizeof(name), "%s司法局", sh_districts[d].name); /* 浦东新区 → 浦东新区司法局 */
        plan_add(p, parent, "district", name, sh_districts[d].code);
    }
    /* both files must name only districts we have codes for: no row is dropped silently */
    for (int f = 0; f < 2; f++) {
        const table_t *t = f ? &town : &dist;
        for (int r = 1; r < t->nrows; r++) {
            const char *name = table_cell(t, r, f ? tc_dist : dc_name);
            bool known = false;
            for (int d = 0; d < N_SH_DISTRICTS; d++) known |= strcmp(name, sh_districts[d].name) == 0;
            if (!known) {
                snprintf(sd->err, sd->errlen, "内置数据中的区「%s」没有区划代码", name);
                goto done;
            }
        }
    }
    for (int d = 0; d < N_SH_DISTRICTS; d++) {
        const sh_district_t *sd_ref = &sh_districts[d];
        int res = -1, vil = -1;
        for (int r = 1; r < dist.nrows; r++)
            if (strcmp(table_cell(&dist, r, dc_name), sd_ref->name) == 0) {
                res = cell_int(table_cell(&dist, r, dc_res));
                vil = cell_int(table_cell(&dist, r, dc_vil));
            }
        if (res < 0) res = sd_ref->res;
        if (vil < 0) vil = sd_ref->vil;

        int first_office = p->n, seq = 0, towns = 0;
        for (int r = 1; r < town.nrows; r++) {
            if (strcmp(table_cell(&town, r, tc_dist), sd_ref->name) != 0) continue;
            const char *tname = table_cell(&town, r, tc_name), *ttype = table_cell(&town, r, tc_type);
            office_kind_t kind = strcmp(ttype, "街道") == 0 ? OFFICE_STREET
                                 : strcmp(ttype, "镇") == 0 ? OFFICE_TOWN
                                 : strcmp(ttype, "乡") == 0 ? OFFICE_TOWNSHIP
                                                            : OFFICE_NONE;
            if (kind == OFFICE_NONE) {
                snprintf(sd->err, sd->errlen, "内置数据中「%s」的类型「%s」无法识别 (应为 街道/镇/乡)", tname, ttype);
                goto done;
            }
            char name[72], code[32];
            snprintf(name, sizeof(name), "%s司法所", tname); /* clause 14: one office per 街道/乡镇 */
            child_code(code, sizeof(code), sd_ref->code, ++seq);
            plan_unit_t *o = plan_add(p, first_district + d, "office", name, code);
            o->kind = kind;
            towns += kind != OFFICE_STREET;
            for (size_t k = 0; k < sizeof(sh_late_offices) / sizeof(sh_late_offices[0]); k++)
                if (strcmp(sh_late_offices[k].district, sd_ref->name) == 0 &&
                    strcmp(sh_late_offices[k].township, tname) == 0)
                    o->valid_from = sh_late_offices[k].valid_from;
        }
        int n = p->n - first_office;
        if (n == 0) continue;
        plan_unit_t *offices = &p->u[first_office];
        if (villages_per_office > 0) {
            for (int i = 0; i < n; i++) {
                int v = offices[i].kind == OFFICE_STREET ? 0
                        : offices[i].kind == OFFICE_TOWN ? villages_per_office - 1
                                                         : villages_per_office;
                offices[i].vil = v;
                offices[i].res = villages_per_office - v;
            }
            continue;
        }
        /* 居委会: a 街道 is all residential, a 镇 half, a 乡 mostly villages;
         * 村委会 only in towns (in 街道 only if the district has no towns) */
        double *w = malloc((size_t)n * sizeof(double));
        int *cnt = malloc((size_t)n * sizeof(int));
        if (!w || !cnt) abort();
        for (int i = 0; i < n; i++) {
            double base = offices[i].kind == OFFICE_STREET ? 1.0 : offices[i].kind == OFFICE_TOWN ? 0.5 : 0.25;
            w[i] = base * (0.6 + 0.8 * rng_unit(&sd->rng));
        }
        allocate(res, n, w, 1, cnt);
        for (int i = 0; i < n; i++) offices[i].res = cnt[i];
        for (int i = 0; i < n; i++) {
            bool takes = towns ? offices[i].kind != OFFICE_STREET : true;
            w[i] = takes ? 0.5 + rng_unit(&sd->rng) : 0;
        }
        allocate(vil, n, w, 0, cnt);
        for (int i = 0; i < n; i++) offices[i].vil = cnt[i];
        free(w);
        free(cnt);
    }
    rc = 0;
done:
    table_free(&dist);
    table_free(&town);
    return rc;
}

static int plan_city(seeder_t *sd, plan_t *p) {
    plan_add(p, -1, "city", "上海市司法局", "310000");
    for (size_t i = 0; i < sizeof(sh_departments) / sizeof(sh_departments[0]); i++) {
        char code[32];
        snprintf(code, sizeof(code), "310000-%02zu", i + 1); /* not a division code: departments have none */
        plan_add(p, 0, "department", sh_departments[i], code);
    }
    return plan_shanghai(sd, p, 0, 0);
}

/* ---- the nation (scale tests) ---- */

/* The 31 provincial units.  weight ≈ township-level divisions and counties ≈
 * county-level divisions (rounded, early 2020s): they shape the tree, they
 * are not statistics.  Shanghai (counties 0) uses its real data instead. */
typedef struct province {
    const char *name, *code;
    int weight, counties;
} province_t;

static const province_t provinces[] = {
    {"北京市司法局", "110000", 343, 16},
    {"天津市司法局", "120000", 255, 16},
    {"河北省司法厅", "130000", 2255, 167},
    {"山西省司法厅", "140000", 1278, 117},
    {"内蒙古自治区司法厅", "150000", 1025, 103},
    {"辽宁省司法厅", "210000", 1355, 100},
    {"吉林省司法厅", "220000", 943, 60},
    {"黑龙江省司法厅", "230000", 1284, 121},
    {"上海市司法局", "310000", 0, 0},
    {"江苏省司法厅", "320000", 1238, 95},
    {"浙江省司法厅", "330000", 1364, 90},
    {"安徽省司法厅", "340000", 1522, 104},
    {"福建省司法厅", "350000", 1107, 84},
    {"江西省司法厅", "360000", 1576, 100},
    {"山东省司法厅", "370000", 1825, 136},
    {"河南省司法厅", "410000", 2458, 157},
    {"湖北省司法厅", "420000", 1256, 103},
    {"湖南省司法厅", "430000", 1944, 122},
    {"广东省司法厅", "440000", 1612, 122},
    {"广西壮族自治区司法厅", "450000", 1251, 111},
    {"海南省司法厅", "460000", 218, 25},
    {"重庆市司法局", "500000", 1031, 38},
    {"四川省司法厅", "510000", 3101, 183},
    {"贵州省司法厅", "520000", 1509, 88},
    {"云南省司法厅", "530000", 1419, 129},
    {"西藏自治区司法厅", "540000", 697, 74},
    {"陕西省司法厅", "610000", 1316, 107},
    {"甘肃省司法厅", "620000", 1356, 86},
    {"青海省司法厅", "630000", 403, 44},
    {"宁夏回族自治区司法厅", "640000", 244, 22},
    {"新疆维吾尔自治区司法厅", "650000", 1151, 107},
};
#define N_PROVINCES (int)(sizeof(provinces) / sizeof(provinces[0]))

typedef enum { COUNTY_DISTRICT, COUNTY_CITY, COUNTY_COUNTY, COUNTY_BANNER } county_kind_t;

static int plan_nation(seeder_t *sd, plan_t *p) {
    plan_add(p, -1, "nation", "司法部", "000000");
    int prov_idx[N_PROVINCES];
    for (int i = 0; i < N_PROVINCES; i++) {
        prov_idx[i] = p->n;
        plan_add(p, 0, "province", provinces[i].name, provinces[i].code);
    }

    /* Shanghai first (its real offices fix its share), then the others'
     * offices in proportion to their weights, 40,000 in all. */
    int sh = -1;
    for (int i = 0; i < N_PROVINCES; i++)
        if (provinces[i].counties == 0) sh = i;
    plan_t shp = {0};
    plan_add(&shp, -1, "province", "", "");
    if (plan_shanghai(sd, &shp, 0, NATION_VILLAGES_PER_OFFICE) != 0) {
        free(shp.u);
        return -1;
    }
    int sh_offices = 0;
    for (int i = 0; i < shp.n; i++) sh_offices += shp.u[i].kind != OFFICE_NONE;
    double w[N_PROVINCES];
    int prov_offices[N_PROVINCES];
    for (int i = 0; i < N_PROVINCES; i++) w[i] = provinces[i].weight;
    allocate(NATION_OFFICES - sh_offices, N_PROVINCES, w, 0, prov_offices); /* Shanghai weighs 0 */
    prov_offices[sh] = sh_offices;

    /* county-level bureaus, all provinces, before any office (breadth-first) */
    int *county_first = calloc(N_PROVINCES, sizeof(int));
    int *county_offices = NULL;
    if (!county_first) abort();
    int ncounties_total = 0;
    for (int i = 0; i < N_PROVINCES; i++) ncounties_total += i == sh ? N_SH_DISTRICTS : provinces[i].counties;
    county_offices = calloc((size_t)ncounties_total, sizeof(int));
    county_kind_t *county_kinds = calloc((size_t)ncounties_total, sizeof(county_kind_t));
    if (!county_offices || !county_kinds) abort();

    int sh_first_district = 0;
    for (int i = 0, c = 0; i < N_PROVINCES; i++) {
        county_first[i] = p->n;
        if (i == sh) {
            sh_first_district = p->n;
            for (int k = 1; k < shp.n && strcmp(shp.u[k].level, "district") == 0; k++)
                plan_add(p, prov_idx[i], "district", shp.u[k].name, shp.u[k].code);
            c += N_SH_DISTRICTS;
            continue;
        }
        int n = provinces[i].counties;
        namer_t nm;
        namer_init(&nm, &sd->rng);
        double *cw = malloc((size_t)n * sizeof(double));
        if (!cw) abort();
        for (int k = 0; k < n; k++, c++) {
            /* roughly China's mix: a third 市辖区, a few county-level cities, the rest counties (旗 in Inner Mongolia)
             */
            uint32_t u = rng_below(&sd->rng, 100);
            county_kind_t kind = u < 33 ? COUNTY_DISTRICT : u < 46 ? COUNTY_CITY : COUNTY_COUNTY;
            if (kind == COUNTY_COUNTY && strcmp(provinces[i].code, "150000") == 0 && rng_below(&sd->rng, 2))
                kind = COUNTY_BANNER;
            static const char *const suffix[] = {"区", "市", "县", "旗"};
            char stem[16], name[64], code[32];
            namer_next(&nm, stem, sizeof(stem));
            snprintf(name, sizeof(name), "%s%s司法局", stem, suffix[kind]);
            /* PP + 2-digit prefecture + 2-digit county, the GB/T 2260 shape */
            snprintf(code, sizeof(code), "%.2s%02d%02d", provinces[i].code, k / 20 + 1, k % 20 + 1);
            plan_add(p, prov_idx[i], "district", name, code);
            county_kinds[c] = kind;
            cw[k] = 0.6 + 0.8 * rng_unit(&sd->rng);
        }
        allocate(prov_offices[i], n, cw, 1, county_offices + (c - n));
        free(cw);
    }

    /* offices, county by county; 街道 first, then 镇, then 乡, as official lists run */
    for (int i = 0, c = 0; i < N_PROVINCES; i++) {
        if (i == sh) {
            for (int k = 1; k < shp.n; k++) {
                const plan_unit_t *o = &shp.u[k];
                if (o->kind == OFFICE_NONE) continue;
                plan_unit_t *copy = plan_add(p, sh_first_district + (o->parent - 1), "office", o->name, o->code);
                copy->kind = o->kind;
                copy->valid_from = o->valid_from;
                copy->res = o->res;
                copy->vil = o->vil;
            }
            c += N_SH_DISTRICTS;
            continue;
        }
        for (int k = 0; k < provinces[i].counties; k++, c++) {
            int county = county_first[i] + k, n = county_offices[c];
            int pct = county_kinds[c] == COUNTY_DISTRICT ? 60 : county_kinds[c] == COUNTY_CITY ? 35 : 8;
            int nk[3] = {0, 0, 0}; /* 街道, 镇, 乡 */
            for (int j = 0; j < n; j++) {
                if ((int)rng_below(&sd->rng, 100) < pct) nk[0]++;
                else nk[rng_below(&sd->rng, 4) == 0 ? 2 : 1]++; /* about one 乡 to three 镇 */
            }
            namer_t nm;
            namer_init(&nm, &sd->rng);
            static const char *const suffix[] = {"街道", "镇", "乡"};
            static const office_kind_t kinds[] = {OFFICE_STREET, OFFICE_TOWN, OFFICE_TOWNSHIP};
            for (int t = 0, seq = 0; t < 3; t++)
                for (int j = 0; j < nk[t]; j++) {
                    char stem[16], name[72], code[32];
                    namer_next(&nm, stem, sizeof(stem));
                    snprintf(name, sizeof(name), "%s%s司法所", stem, suffix[t]);
                    child_code(code, sizeof(code), p->u[county].code, ++seq);
                    plan_unit_t *o = plan_add(p, county, "office", name, code);
                    o->kind = kinds[t];
                    o->res = t == 0 ? NATION_VILLAGES_PER_OFFICE : t == 1 ? 1 : 0;
                    o->vil = NATION_VILLAGES_PER_OFFICE - o->res;
                }
        }
    }
    free(county_first);
    free(county_offices);
    free(county_kinds);
    free(shp.u);
    return 0;
}

int demo_seed_orgs(db_t *db, bool nation, char *err, size_t errlen) {
    seeder_t *sd = calloc(1, sizeof(*sd));
    if (!sd) abort();
    *sd = (seeder_t){.db = db, .rng = {DEMO_SEED}, .err = err, .errlen = errlen, .batch_sql = BUF_INIT};
    plan_t plan = {0};
    int rc = nation ? plan_nation(sd, &plan) : plan_city(sd, &plan);
    if (rc == 0 && db_begin(db) != 0) {
        snprintf(err, errlen, "无法开始写入演示数据的事务: %s", db_errmsg(db));
        rc = -1;
    } else if (rc == 0) {
        int max_depth = 0;
        rc = insert_plan(sd, &plan);
        for (int i = 0; i < plan.n; i++)
            if (plan.u[i].depth > max_depth) max_depth = plan.u[i].depth;
        if (rc == 0) rc = insert_villages(sd, &plan);
        if (rc == 0) rc = set_paths(sd, max_depth + 1); /* + 1: the villages */
        if (rc == 0 && db_commit(db) != 0) {
            snprintf(err, errlen, "提交演示数据失败: %s", db_errmsg(db));
            rc = -1;
        }
        if (rc != 0 && db_in_tx(db)) db_rollback(db);
    }
    free(plan.u);
    buf_free(&sd->batch_sql);
    free(sd);
    return rc == 0 ? 0 : -1;
}
