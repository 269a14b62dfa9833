/*
 * Small file-system helpers shared by the storage code, the broker and the tools: full reads
 * and writes that retry short transfers and EINTR, mkdir -p, durable directory entries and
 * atomic whole-file replacement. All blocking: workers, start-up and shutdown only, or files
 * known to be in the page cache.
 */
#ifndef KC_FSUTIL_H
#define KC_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/** Read exactly @p len bytes at @p off. @return 0, -errno, or -EIO at end of file. */
int kc_pread_full(int fd, void *buf, size_t len, off_t off);

/** Write all @p len bytes at the file position. @return 0 or -errno (-EIO for a 0 write). */
int kc_write_full(int fd, const void *buf, size_t len);

/** Create @p path and its missing parents (mode 0755). @return 0 or -errno. */
int kc_mkdirs(const char *path);

/**
 * fsync the folder @p dir so that entries created, renamed or removed in it survive a power
 * loss. @return 0 or -errno.
 */
int kc_fsync_dir(const char *dir);

/**
 * Replace @p path with @p len bytes of @p data atomically: write `<path>.tmp`, fsync it,
 * rename it over @p path, fsync the folder. A crash leaves the old or the new file, never a
 * torn one. @return 0 or -errno.
 */
int kc_write_file_atomic(const char *path, const void *data, size_t len);

/**
 * As kc_write_file_atomic (readers see the old or the new content, never a mix) without its
 * two fsyncs: the caller makes the file durable later, with syncfs(2) of the file system
 * (shutdown writes thousands of leader-epoch checkpoints that way). @return 0 or -errno.
 */
int kc_write_file_replace(const char *path, const void *data, size_t len);

#endif
