/* demo_data.h — reference data compiled into the binary by
 * scripts/embed-data.sh (build/gen/demo_data.c), read by demo.c. */
#ifndef SFS_DEMO_DATA_H
#define SFS_DEMO_DATA_H
typedef struct demo_file {
    const char *name; /* base name, e.g. "shanghai-townships.csv" */
    const char *text; /* the whole file, NUL-terminated */
} demo_file_t;
/* Ends with { NULL, NULL }. */
extern const demo_file_t demo_files[];
#endif
