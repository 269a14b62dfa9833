/* File-system helpers for unit tests; see fs_util.h. */
#include "fs_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fu_mkdtemp(char *out, size_t len, const char *tag)
{
    snprintf(out, len, "/tmp/cafka-unit-%s-XXXXXX", tag);
    return mkdtemp(out) ? 0 : -1;
}

void fu_rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[PATH_MAX];
                snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
                fu_rm_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

uint8_t *fu_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st)) {
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size, done = 0;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return NULL;
    }
    while (done < n) {
        ssize_t r = read(fd, b + done, n - done);
        if (r <= 0) {
            free(b);
            close(fd);
            return NULL;
        }
        done += (size_t)r;
    }
    close(fd);
    *len = n;
    return b;
}

int fu_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd) ? -1 : 0;
}

int fu_copy_dir(const char *from, const char *to)
{
    if (mkdir(to, 0755) && errno != EEXIST)
        return -1;
    DIR *d = opendir(from);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        char src[PATH_MAX], dst[PATH_MAX];
        snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
        snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name);
        struct stat st;
        if (lstat(src, &st) || !S_ISREG(st.st_mode))
            continue;
        size_t n;
        uint8_t *b = fu_read_file(src, &n);
        if (!b || fu_write_file(dst, b, n))
            rc = -1;
        free(b);
    }
    closedir(d);
    return rc;
}

long long fu_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : (long long)st.st_size;
}

bool fu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fu_count_suffix(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    size_t m = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t k = strlen(e->d_name);
        if (k >= m && strcmp(e->d_name + k - m, suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

bool fu_fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int fu_open_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}
