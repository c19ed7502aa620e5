/* registers.h — the organisation and staff registers (issue 5;
 * docs/registers.md). */
#ifndef SFS_REGISTERS_H
#define SFS_REGISTERS_H
#include "engine/engine.h"

/* Declares every register entity and the office-change workflow. */
void registers_declare(void);
void office_changes_declare(void);
/* The shared 信息校核 → 信息审核 workflow (one version list for all registers). */
extern const workflow_t *const register_verify_flows[];
/* Entity names that stay with a merged office (NULL-terminated). */
extern const char *const registers_of_office[];
#endif
