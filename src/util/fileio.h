/* fileio.h — small helpers over POSIX file descriptors. */
#ifndef SFS_FILEIO_H
#define SFS_FILEIO_H
#include <stddef.h>

/* Writes all n bytes of p to fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno set. */
int fd_write_all(int fd, const void *p, size_t n);
#endif
