/*
 * File-system helpers for unit tests that work in a mkdtemp directory (storage tests). They do
 * not use Criterion: failures are returned, and the tests assert on them.
 */
#ifndef FS_UTIL_H
#define FS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** mkdtemp("/tmp/cafka-unit-<tag>-XXXXXX") into @p out. @return 0 or -1. */
int fu_mkdtemp(char *out, size_t len, const char *tag);

/** Remove @p path and everything below it (no error when missing). */
void fu_rm_tree(const char *path);

/** The whole file, malloc'd (at least 1 byte allocated); NULL when it cannot be read. */
uint8_t *fu_read_file(const char *path, size_t *len);

/** Create or replace @p path with @p len bytes. @return 0 or -1. */
int fu_write_file(const char *path, const void *data, size_t len);

/** Copy the regular files of folder @p from into folder @p to (created). @return 0 or -1. */
int fu_copy_dir(const char *from, const char *to);

/** Size of @p path, or -1 when it does not exist. */
long long fu_file_size(const char *path);

bool fu_exists(const char *path);

/** Number of entries of folder @p dir whose name ends with @p suffix ("" = all files). */
int fu_count_suffix(const char *dir, const char *suffix);

/** True when @p fd is an open descriptor. */
bool fu_fd_open(int fd);

/** Number of descriptors this process holds (entries of /proc/self/fd), or -1. */
int fu_open_fd_count(void);

#endif
