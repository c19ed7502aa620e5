/* demo_persons.c — demo residents for the person registry: a few per office,
 * with valid (generated, fictitious) citizen ID numbers, stored encrypted
 * like any other (issue 3 point 9: the raw files must not contain them). */
#include <stdio.h>
#include <string.h>

#include "cmd/demo.h"
#include "util/crypto.h"
#include "util/validate.h"

static uint64_t rng_state = 20221;
static uint32_t rnd(void) { /* splitmix64: deterministic demo data */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

void idcard_complete(char id[19]) {
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (id[i] - '0') * w[i];
    id[17] = check[sum % 11];
    id[18] = '\0';
}

int demo_seed_persons(db_t *db, const keys_t *keys, int per_office, char *err, size_t errlen) {
    static const char *surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "马", "胡", "郭", "林", "何", "高", "欧阳"};
    static const char *given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂英", "建华", "志强", "晓东", "海燕", "文斌"};
    static const char *roads[] = {"浦东南路", "世纪大道", "南京东路", "淮海中路", "四川北路", "长寿路", "虹桥路", "中山北路"};
    db_stmt_t *s = db_prepare(db, "SELECT o.id, d.code FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                                  "WHERE o.level = 'office' ORDER BY o.id");
    if (!s) goto fail;
    int64_t offices[512];
    char codes[512][8];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 512) {
        offices[n] = db_col_int(s, 0);
        const char *c = db_col_text(s, 1);
        snprintf(codes[n], sizeof(codes[n]), "%.6s", c && strlen(c) >= 6 && c[0] >= '1' ? c : "310101");
        n++;
    }
    db_reset(s);
    if (rc < 0 || db_begin(db) != 0) goto fail;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < per_office; k++) {
            char id[19], name[32], phone[12], addr[96];
            int year = 1950 + (int)(rnd() % 55), month = 1 + (int)(rnd() % 12), day = 1 + (int)(rnd() % 28);
            snprintf(id, sizeof(id), "%s%04d%02d%02d%03u", codes[i], year, month, day, rnd() % 1000);
            idcard_complete(id);
            snprintf(name, sizeof(name), "%s%s", surnames[rnd() % 20], given[rnd() % 24]);
            snprintf(phone, sizeof(phone), "1%u%09u", 3 + rnd() % 7, rnd() % 1000000000u);
            snprintf(addr, sizeof(addr), "上海市%s%u弄%u号", roads[rnd() % 8], 1 + rnd() % 999, 1 + rnd() % 60);
            int64_t id_ = person_insert(db, keys, offices[i], name, id, phone, addr, 0);
            if (id_ < 0) goto fail_tx;
        }
    }
    if (db_commit(db) != 0) goto fail;
    return 0;
fail_tx:
    db_rollback(db);
fail:
    snprintf(err, errlen, "载入演示人员失败: %s", db_errmsg(db));
    return -1;
}
