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

/* Appends the ISO 7064 MOD 11-2 check character (GB 11643) to the 17
 * digits in id[0..17), making an 18-character valid ID number. */
void idcard_complete(char id[19]);
/* modules/persons.c: inserts one person inside the caller's transaction,
 * encrypted and blind-indexed like every registration.  id_number must be
 * valid and normalised.  The new id, 0 on a duplicate, <0 on error. */
int64_t person_insert(db_t *db, const struct keys *keys, int64_t org_id, const char *name, const char *id_number,
                      const char *phone, const char *address, int64_t by);
#endif
