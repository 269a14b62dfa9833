/* Start-up descriptor budget: raise RLIMIT_NOFILE, count the segments to open, refuse to start
 * when they cannot fit (fd_budget.h). Runs before any log is opened. */
#include "broker/fd_budget.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "config/config.h"

static int64_t count_segments(const char *partition_dir)
{
    DIR *d = opendir(partition_dir);
    if (!d)
        return 0;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".log") == 0;
    }
    closedir(d);
    return n;
}

/* A partition folder is `<topic>-<digits>`; `-delete` and `-future` folders are not opened. */
static int is_partition_dir(const char *name)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1])
        return 0;
    for (const char *p = dash + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int kc_fd_budget_check(const kc_config *cfg, int64_t *limit_out, int64_t *segments_out, char *err,
                       int err_len)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
        else
            kc_warn("STORAGE", "cannot raise the open-file limit from %ju to %ju: %s",
                    (uintmax_t)rl.rlim_cur, (uintmax_t)rl.rlim_max, strerror(errno));
    }
    int64_t limit = rl.rlim_cur == RLIM_INFINITY ? INT64_MAX : (int64_t)rl.rlim_cur;
    int64_t segments = 0, partitions = 0;
    for (int i = 0; i < cfg->n_log_dirs; i++) {
        DIR *d = opendir(cfg->log_dirs[i]);
        if (!d)
            continue;
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !is_partition_dir(e->d_name))
                continue;
            snprintf(path, sizeof(path), "%s/%s", cfg->log_dirs[i], e->d_name);
            int64_t n = count_segments(path);
            segments += n;
            partitions += n > 0;
        }
        closedir(d);
    }
    if (limit_out)
        *limit_out = limit;
    if (segments_out)
        *segments_out = segments;
    if (segments + KC_FD_RESERVE > limit) {
        snprintf(err, (size_t)err_len,
                 "the open-file limit (RLIMIT_NOFILE %" PRId64 ") cannot hold the %" PRId64
                 " segments of %" PRId64 " partitions in log.dirs plus %d descriptors for "
                 "connections and ZooKeeper: raise the hard limit (ulimit -Hn) or move "
                 "partitions away",
                 limit, segments, partitions, KC_FD_RESERVE);
        return -1;
    }
    kc_info("STORAGE",
            "descriptor budget: open-file limit %" PRId64 ", %" PRId64 " segments in %" PRId64
            " partitions to open (one descriptor each), %" PRId64 " left for connections",
            limit, segments, partitions, limit == INT64_MAX ? INT64_MAX : limit - segments);
    return 0;
}
