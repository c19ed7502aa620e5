/* demo.h — demo data for `sifasuo init --demo`. */
#ifndef SFS_DEMO_H
#define SFS_DEMO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Inserts the demo organisation tree into an empty org_units table, in one
 * transaction, deterministically (same rows and ids on every fresh store).
 *
 *  nation=false: Shanghai — 上海市司法局 (city), the 20 departments the plan
 *    沪司发〔2022〕46号 names, the 16 district bureaus (GB/T 2260 codes), one
 *    司法所 per row of data/shanghai-townships.csv, and ~6,600 generated
 *    村(居)委会 following data/shanghai-districts.csv.
 *  nation=true: a national tree for scale tests — 司法部, 31 provincial
 *    bureaus, ~2,840 county-level bureaus, 40,000 offices, 3 villages each
 *    (Shanghai's districts and offices carry their real names).
 *
 * Returns 0, or -1 with a one-line Chinese message in err (nothing written). */
int demo_seed_orgs(db_t *db, bool nation, char *err, size_t errlen);

struct keys;
/* Registers per_office fictitious residents in every office (valid, generated
 * ID numbers, encrypted at rest).  Deterministic.  0 or -1 with err. */
int demo_seed_persons(db_t *db, const struct keys *keys, int per_office, char *err, size_t errlen);
/* Fills the organisation and staff registers (issue 5) of every office:
 * profile, staff (personal information encrypted), training, commendations,
 * stints, premises, equipment, funding 2022–2024, party branch, rules,
 * extension to villages, and two office changes in progress.  Deliberately
 * mixed so the standards have findings; deterministic.  0 or -1 with err. */
int demo_seed_registers(db_t *db, const struct keys *keys, char *err, size_t errlen);

/* splitmix64: a tiny deterministic generator for demo data. */
static inline uint64_t demo_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* People's mediation (demo_mediation.c): a committee per office and per
 * village, a mediator per office, cases_per_office cases per office over the
 * year to 2026-11-30 with parties from the demo residents.  Needs the orgs
 * and persons seeded first.  Deterministic.  0 or -1 with err. */
int demo_seed_mediation(db_t *db, int cases_per_office, char *err, size_t errlen);

/* Appends the ISO 7064 MOD 11-2 check character (GB 11643) to the 17
 * digits in id[0..17), making an 18-character valid ID number. */
void idcard_complete(char id[19]);
/* modules/persons.c: inserts one person inside the caller's transaction,
 * encrypted and blind-indexed like every registration.  id_number must be
 * valid and normalised.  The new id, 0 on a duplicate, <0 on error. */
int64_t person_insert(db_t *db, const struct keys *keys, int64_t org_id, const char *name, const char *id_number,
                      const char *phone, const char *address, int64_t by);
#endif
