/* persons_generate.c — the person registry's demo and scale data
 * (init --demo, engine_demo_register) and `sifasuo generate persons --count N`: 人员 with
 * valid, unique, fictitious ID numbers, through the registration path
 * (person_insert: encrypted, blind-indexed), for load and capacity tests.
 * Persons are not an engine entity, so this is a module registration
 * (engine_generator_register) rather than an entity's .generate.
 *
 * Generated people are born 1900-01-01 … 1949-12-31 (demo residents are
 * born 1950 or later, so the two never collide): item i is born on day
 * i / 1000 of that range with sequence number i % 1000 — unique for the
 * first 18 million — in the district of office i mod offices. */
#include <stdio.h>

#include "cmd/demo.h"
#include "engine/generate.h"
#include "modules/modules.h"
#include "util/timeutil.h"

#define GEN_PERSON_DAYS 18262 /* days from 1900-01-01 to 1949-12-31 */

static int persons_prepare(engine_gen_t *g, char *err, size_t errlen) {
    g->start = db_query_int(g->db, "SELECT COUNT(*) FROM persons WHERE birth_date < '1950-01-01'", 0);
    return engine_gen_offices(g, err, errlen);
}

static int persons_one(engine_gen_t *g, int64_t i) {
    static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                           "徐", "孙", "朱", "马", "胡", "郭", "林", "何", "高", "欧阳"};
    static const char *const given[] = {"伟", "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",
                                        "军", "洋",   "勇",   "艳",   "杰",   "娟",   "涛",   "明",
                                        "超", "秀英", "桂英", "建华", "志强", "晓东", "海燕", "文斌"};
    static const char *const roads[] = {"浦东南路", "世纪大道", "南京东路", "淮海中路",
                                        "四川北路", "长寿路",   "虹桥路",   "中山北路"};
    if (i / 1000 >= GEN_PERSON_DAYS) {
        fprintf(stderr, "\n生成的人员最多 %d 万 (出生日期已用完)\n", GEN_PERSON_DAYS / 10);
        return -1;
    }
    uint64_t r = engine_gen_mix((uint64_t)i);
    int office = (int)(i % g->noffices);
    char day[21], id[19], name[32], phone[12], addr[96];
    iso_from_unix(-2208988800LL + (i / 1000) * 86400LL, day); /* 1900-01-01 + i/1000 days */
    snprintf(id, sizeof(id), "%s%.4s%.2s%.2s%03d", g->region[office], day, day + 5, day + 8, (int)(i % 1000));
    idcard_complete(id);
    snprintf(name, sizeof(name), "%s%s", surnames[r % 20], given[(r >> 8) % 24]);
    snprintf(phone, sizeof(phone), "1%d%09d", 3 + (int)((r >> 16) % 7), (int)((r >> 24) % 1000000000));
    snprintf(addr, sizeof(addr), "上海市%s%d弄%d号", roads[(r >> 56) % 8], 1 + (int)((r >> 40) % 999),
             1 + (int)((r >> 50) % 60));
    return person_insert(g->db, g->keys, g->offices[office], name, id, phone, addr, 0) > 0 ? 0 : -1;
}

static const engine_generator_t persons_generator = {
    .label = "人员",
    .batch = 5000,
    .prepare = persons_prepare,
    .one = persons_one,
};

/* Demo residents (init --demo): three per office, none at national scale;
 * before every line's demo data, which links them. */
static int persons_demo(const engine_demo_t *d, char *err, size_t errlen) {
    return demo_seed_persons(d->db, d->keys, d->nation ? 0 : 3, err, errlen);
}

void persons_generator_register(void) {
    engine_generator_register("persons", "人员", &persons_generator);
    engine_demo_register("persons", persons_demo);
}
