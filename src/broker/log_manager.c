/*
 * Log manager: checkpoints, recovery decisions, periodic retention/flush/checkpoint tasks.
 * State per log dir: whether the previous shutdown was clean and the checkpoints read at
 * start-up (used only while logs are first opened).
 */
#include "broker/log_manager.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/workers.h"
#include "storage/checkpoint.h"
#include "storage/cleaner.h"
#include "zk/znodes.h"

#define FLUSH_CHECK_MS 1000
/* LogManager.ProducerIdExpirationCheckIntervalMs: a constant in Kafka 2.8 */
#define PRODUCER_EXPIRATION_CHECK_MS (10 * 60 * 1000)

typedef struct log_dir_state {
    bool clean;
    kc_checkpoint recovery, log_start, replication; /* replication = high watermarks */
} log_dir_state;

typedef struct kc_log_manager {
    log_dir_state dirs[KC_MAX_LOG_DIRS];
    LIST_HEAD(, delete_ctx) deletes; /* renamed `.deleted`, waiting for file.delete.delay.ms */
    bool checkpoint_in_flight;       /* one writer at a time: they share the .tmp names */
    struct event *retention_timer, *checkpoint_timer, *flush_timer, *cleaner_timer,
        *producer_expiry_timer;
} kc_log_manager;

static kc_log_manager *lm(kc_broker *b)
{
    return b->log_manager;
}

int kc_log_manager_init(kc_broker *b)
{
    kc_log_manager *m = calloc(1, sizeof(*m));
    if (!m)
        kc_fatal("logs: out of memory");
    b->log_manager = m;
    for (int i = 0; i < b->cfg->n_log_dirs; i++) {
        const char *dir = b->cfg->log_dirs[i];
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, KC_CLEAN_SHUTDOWN_FILE);
        m->dirs[i].clean = stat(path, &st) == 0;
        snprintf(path, sizeof(path), "%s/%s", dir, KC_RECOVERY_POINT_CHECKPOINT);
        if (kc_checkpoint_read(path, &m->dirs[i].recovery))
            kc_warn("STORAGE", "'%s' is malformed: recovering every log of '%s'", path, dir);
        snprintf(path, sizeof(path), "%s/%s", dir, KC_LOG_START_OFFSET_CHECKPOINT);
        if (kc_checkpoint_read(path, &m->dirs[i].log_start))
            kc_warn("STORAGE", "'%s' is malformed: log start offsets from the segments", path);
        snprintf(path, sizeof(path), "%s/%s", dir, KC_REPLICATION_OFFSET_CHECKPOINT);
        if (kc_checkpoint_read(path, &m->dirs[i].replication))
            kc_warn("STORAGE", "'%s' is malformed: high watermarks start at the log start", path);
        if (!m->dirs[i].clean)
            kc_info("STORAGE",
                    "log dir '%s' was not shut down cleanly: logs after their "
                    "recovery point will be scanned",
                    dir);
        /* the marker only vouches for the state it was written for (Kafka removes it after
         * loading; from now on the logs change) */
        snprintf(path, sizeof(path), "%s/%s", dir, KC_CLEAN_SHUTDOWN_FILE);
        if (unlink(path) == 0) /* durable, or a power loss could bring the marker back */
            kc_fsync_dir(dir);
    }
    return 0;
}

static bool dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int kc_log_manager_open(kc_broker *b, kc_partition *p, char *why, size_t cap)
{
    bool replica = false;
    for (int32_t i = 0; i < p->n_replicas; i++)
        replica |= p->replicas[i] == b->cfg->broker_id;
    if (!replica || p->log)
        return 0;
    if (p->deleting) {
        snprintf(why, cap, "the previous log is still being deleted");
        return -1;
    }
    const kc_config *c = b->cfg;
    char dir[4096];
    int chosen = -1;
    /* with one log dir there is nothing to choose: a missing folder is created by the open */
    for (int i = 0; i < c->n_log_dirs && chosen < 0 && c->n_log_dirs > 1; i++) {
        snprintf(dir, sizeof(dir), "%s/%s-%d", c->log_dirs[i], p->topic->name, p->id);
        if (dir_exists(dir))
            chosen = i;
    }
    if (chosen < 0) { /* atomic: start-up opens logs on several threads */
        chosen = __atomic_fetch_add(&b->next_log_dir, 1, __ATOMIC_RELAXED) % c->n_log_dirs;
        snprintf(dir, sizeof(dir), "%s/%s-%d", c->log_dirs[chosen], p->topic->name, p->id);
    }
    log_dir_state *ds = &lm(b)->dirs[chosen];
    kc_plog_open_opts o = {
        /* a folder created now has nothing to recover either way */
        .clean_shutdown = ds->clean,
        .recovery_point = kc_checkpoint_get(&ds->recovery, p->topic->name, p->id),
        .log_start_offset = kc_checkpoint_get(&ds->log_start, p->topic->name, p->id),
        .now_ms = kc_now_ms(),
    };
    kc_plog_open_stats st;
    int64_t t0 = kc_now_ms();
    if (kc_plog_open(dir, &p->topic->log_config, &o, &p->log, &st, why, cap))
        return -1;
    p->log_dir = chosen;
    p->last_flush_ms = kc_now_ms();
    /* the high watermark survives restarts (Kafka's replication-offset-checkpoint), within
     * what the log holds now */
    int64_t hw = kc_checkpoint_get(&ds->replication, p->topic->name, p->id);
    if (hw > kc_plog_log_end_offset(p->log))
        hw = kc_plog_log_end_offset(p->log);
    if (hw < kc_plog_log_start_offset(p->log))
        hw = kc_plog_log_start_offset(p->log);
    p->high_watermark = hw;
    if (st.segments_recovered || st.indexes_rebuilt || st.bytes_truncated)
        kc_info("STORAGE",
                "recovered %s-%d in %" PRId64 " ms: %d segments scanned, %" PRIu64
                " bytes checked, %" PRIu64 " bytes truncated, %d indexes rebuilt; log end "
                "offset %" PRId64,
                p->topic->name, p->id, kc_now_ms() - t0, st.segments_recovered, st.bytes_scanned,
                st.bytes_truncated, st.indexes_rebuilt, kc_plog_log_end_offset(p->log));
    return 0;
}

/* ------------------------------------------------ opening and closing many logs */

typedef struct log_slice {
    kc_broker *b;
    kc_partition **parts;
    size_t n, first, stride;
    void (*fn)(kc_broker *, kc_partition *);
} log_slice;

static void log_slice_run(void *arg)
{
    log_slice *s = arg;
    for (size_t i = s->first; i < s->n; i += s->stride)
        s->fn(s->b, s->parts[i]);
}

/* @p fn on each of @p parts, spread over num.recovery.threads.per.data.dir threads per log dir
 * (Kafka's LogManager loads and closes logs with such a pool): a clean restart of 10,000 logs
 * waits mostly on system calls, which threads overlap. Blocking: start-up and shutdown only,
 * while nothing else touches the partitions. */
static void each_log_parallel(kc_broker *b, kc_partition **parts, size_t n,
                              void (*fn)(kc_broker *, kc_partition *))
{
    size_t threads = (size_t)b->cfg->num_recovery_threads_per_data_dir * (size_t)b->cfg->n_log_dirs;
    if (threads > n)
        threads = n;
    if (threads <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(b, parts[i]);
        return;
    }
    log_slice *slices = calloc(threads, sizeof(*slices));
    if (!slices)
        kc_fatal("logs: out of memory");
    kc_workers *w = kc_workers_new((int)threads, b->mb);
    for (size_t t = 0; t < threads; t++) {
        slices[t] = (log_slice){b, parts, n, t, threads, fn};
        kc_workers_submit(w, log_slice_run, NULL, &slices[t]);
    }
    kc_workers_free(w); /* runs every slice, then joins */
    free(slices);
}

static void open_one(kc_broker *b, kc_partition *p)
{
    char why[512];
    if (kc_log_manager_open(b, p, why, sizeof(why)))
        kc_error("STORAGE", "cannot open partition %s-%d: %s", p->topic->name, p->id, why);
}

static void close_one(kc_broker *b, kc_partition *p)
{
    (void)b;
    kc_plog_close(p->log);
    p->log = NULL;
}

/* Every topic's partitions (only those with an open log when @p with_log), *@p n of them, in
 * a malloc'd array. */
static kc_partition **collect_partitions(kc_broker *b, bool with_log, size_t *n)
{
    size_t cap = 0;
    for (size_t i = 0; i < b->topics.count; i++)
        cap += (size_t)b->topics.all[i]->n_partitions;
    kc_partition **parts = calloc(cap + 1, sizeof(*parts));
    if (!parts)
        kc_fatal("logs: out of memory");
    *n = 0;
    for (size_t i = 0; i < b->topics.count; i++)
        for (int32_t j = 0; j < b->topics.all[i]->n_partitions; j++)
            if (!with_log || b->topics.all[i]->partitions[j]->log)
                parts[(*n)++] = b->topics.all[i]->partitions[j];
    return parts;
}

void kc_log_manager_open_all(kc_broker *b)
{
    int64_t t0 = kc_now_ms();
    size_t n, open = 0;
    kc_partition **parts = collect_partitions(b, false, &n);
    each_log_parallel(b, parts, n, open_one);
    for (size_t i = 0; i < n; i++)
        open += parts[i]->log != NULL;
    free(parts);
    kc_info("STORAGE", "opened %zu logs in %" PRId64 " ms (%d threads per log dir)", open,
            kc_now_ms() - t0, b->cfg->num_recovery_threads_per_data_dir);
}

/* ---------------------------------------------------------------- flush */

typedef struct flush_ctx {
    kc_broker *b;
    kc_partition *p;
    kc_plog_flush_job *job;
    int rc;
} flush_ctx;

static void flush_work(void *arg)
{
    flush_ctx *f = arg;
    f->rc = kc_plog_flush_job_run(f->job);
}

typedef struct kc_flush_waiter {
    struct kc_flush_waiter *next;
    int64_t up_to;
    kc_flush_cb cb;
    void *arg;
} kc_flush_waiter;

static void flush_async(kc_broker *b, kc_partition *p, int64_t up_to);

/* Answers the waiters the recovery point now covers (all of them, failed, when @p ok is
 * false) and starts the next flush for the others. */
static void flush_wake(kc_broker *b, kc_partition *p, bool ok)
{
    kc_flush_waiter **pp = &p->flush_waiters, *done = NULL;
    while (*pp) {
        kc_flush_waiter *w = *pp;
        if (!ok || w->up_to <= kc_plog_recovery_point(p->log)) {
            *pp = w->next;
            w->next = done;
            done = w;
        } else {
            pp = &w->next;
        }
    }
    if (p->flush_waiters)
        flush_async(b, p, kc_plog_log_end_offset(p->log));
    while (done) {
        kc_flush_waiter *w = done;
        done = w->next;
        w->cb(w->arg, ok);
        free(w);
    }
}

static void flush_done(void *arg)
{
    flush_ctx *f = arg;
    if (f->rc)
        kc_error("STORAGE", "fsync of %s-%d failed: %s", f->p->topic->name, f->p->id,
                 strerror(-f->rc));
    f->p->flush_in_flight = false;
    kc_plog_flush_job_done(f->p->log, f->job, f->rc == 0);
    if (f->p->log)
        flush_wake(f->b, f->p, f->rc == 0);
    free(f);
}

void kc_log_manager_flush_then(kc_broker *b, kc_partition *p, int64_t up_to, kc_flush_cb cb,
                               void *arg)
{
    if (kc_plog_recovery_point(p->log) >= up_to) {
        cb(arg, true);
        return;
    }
    kc_flush_waiter *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("logs: out of memory");
    *w = (kc_flush_waiter){p->flush_waiters, up_to, cb, arg};
    p->flush_waiters = w;
    flush_async(b, p, kc_plog_log_end_offset(p->log));
}

static void flush_async(kc_broker *b, kc_partition *p, int64_t up_to)
{
    if (p->flush_in_flight)
        return; /* the next trigger after it finishes covers what was appended meanwhile */
    kc_plog_flush_job *job = kc_plog_prepare_flush(p->log, up_to);
    if (!job)
        return;
    flush_ctx *f = calloc(1, sizeof(*f));
    if (!f)
        kc_fatal("logs: out of memory");
    *f = (flush_ctx){b, p, job, 0};
    p->flush_in_flight = true;
    p->last_flush_ms = kc_now_ms();
    kc_workers_submit(b->workers, flush_work, flush_done, f);
}

void kc_log_manager_after_append(kc_broker *b, kc_partition *p, bool rolled)
{
    if (rolled) /* Kafka flushes the segment it rolled away from, asynchronously */
        flush_async(b, p, kc_plog_segment_base(p->log, kc_plog_segment_count(p->log) - 1));
    if (kc_plog_unflushed_messages(p->log) >= p->topic->log_config.flush_messages)
        flush_async(b, p, kc_plog_log_end_offset(p->log));
}

/* ---------------------------------------------------------------- deletion */

typedef struct delete_ctx {
    LIST_ENTRY(delete_ctx) pending; /* on the manager until due */
    kc_broker *b;
    char **paths;
    int n;
    struct event *ev;
} delete_ctx;

static void delete_work(void *arg)
{
    delete_ctx *d = arg;
    for (int i = 0; i < d->n; i++) {
        if (unlink(d->paths[i]) && errno != ENOENT)
            kc_error("STORAGE", "cannot delete '%s': %s", d->paths[i], strerror(errno));
        free(d->paths[i]);
    }
    free(d->paths);
    free(d);
}

static void delete_unlink_pending(delete_ctx *d)
{
    LIST_REMOVE(d, pending);
    event_free(d->ev);
}

/* file.delete.delay.ms is up: readers that still held the files had their time. */
static void on_delete_due(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    delete_ctx *d = arg;
    delete_unlink_pending(d);
    kc_workers_submit(d->b->workers, delete_work, NULL, d);
}

void kc_log_manager_retention(kc_broker *b, kc_partition *p)
{
    char **paths;
    int n;
    if (!p->log || kc_plog_retention(p->log, kc_now_ms(), &paths, &n) == 0 || n == 0)
        return;
    delete_ctx *d = calloc(1, sizeof(*d));
    if (!d)
        kc_fatal("logs: out of memory");
    d->b = b;
    d->paths = paths;
    d->n = n;
    d->ev = evtimer_new(b->base, on_delete_due, d);
    LIST_INSERT_HEAD(&lm(b)->deletes, d, pending);
    struct timeval tv = kc_timeval_ms(p->topic->log_config.file_delete_delay_ms);
    evtimer_add(d->ev, &tv);
}

/* ---------------------------------------------------------------- partition deletion */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) && errno != ENOENT)
        kc_error("STORAGE", "cannot delete '%s': %s", path, strerror(errno));
    return 0;
}

static void rmtree_work(void *arg)
{
    nftw(arg, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(arg);
}

typedef struct delete_retry {
    kc_broker *b;
    kc_partition *p;
} delete_retry;

static void on_delete_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    delete_retry *r = arg;
    if (!r->b->shutting_down && r->p->deleting)
        kc_log_manager_delete(r->b, r->p);
    free(r);
}

int kc_log_manager_delete(kc_broker *b, kc_partition *p)
{
    if (!p->log) {
        p->deleting = false;
        return 0;
    }
    if (p->flush_in_flight || p->cleaning) { /* their completions still use the log */
        delete_retry *r = malloc(sizeof(*r));
        if (!r)
            kc_fatal("logs: out of memory");
        *r = (delete_retry){b, p};
        p->deleting = true;
        struct timeval tv = kc_timeval_ms(50);
        event_base_once(b->base, -1, EV_TIMEOUT, on_delete_retry, r, &tv);
        return 0;
    }
    const char *root = b->cfg->log_dirs[p->log_dir];
    char dir[4096], dest[4200], id[23];
    snprintf(dir, sizeof(dir), "%s/%s-%d", root, p->topic->name, p->id);
    kc_znode_random_uuid(id);
    /* Kafka's LogManager.asyncDelete: <topic>-<partition>.<unique id>-delete */
    snprintf(dest, sizeof(dest), "%s.%s-delete", dir, id);
    kc_plog_close(p->log);
    p->log = NULL;
    p->deleting = false;
    if (rename(dir, dest)) {
        kc_error("STORAGE", "cannot rename '%s' for deletion: %s", dir, strerror(errno));
        return -1;
    }
    kc_fsync_dir(root);
    kc_info("STORAGE", "deleted log of %s-%d (folder %s removed in the background)", p->topic->name,
            p->id, dest);
    char *path = strdup(dest);
    if (!path)
        kc_fatal("logs: out of memory");
    kc_workers_submit(b->workers, rmtree_work, NULL, path);
    return 0;
}

/* ---------------------------------------------------------------- checkpoints */

/* One file of a checkpoint job. */
typedef struct checkpoint_file {
    char *path;
    char *content;
    bool epochs; /* a partition's leader-epoch-checkpoint */
    bool failed;
} checkpoint_file;

typedef struct checkpoint_ctx {
    kc_broker *b; /* set for periodic jobs (their completion clears checkpoint_in_flight) */
    checkpoint_file *files; /* leader-epoch-checkpoint files first, then the log dirs' */
    int n, cap;
} checkpoint_ctx;

static void checkpoint_add(checkpoint_ctx *c, const char *path, char *content, bool epochs)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->files = realloc(c->files, (size_t)c->cap * sizeof(*c->files));
        if (!c->files)
            kc_fatal("logs: out of memory");
    }
    char *dup = strdup(path);
    if (!dup)
        kc_fatal("logs: out of memory");
    c->files[c->n++] = (checkpoint_file){dup, content, epochs, false};
}

static void checkpoint_free(checkpoint_ctx *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->files[i].path);
        free(c->files[i].content);
    }
    free(c->files);
    free(c);
}

/*
 * Takes the files to write, on the reactor. The leader epochs of every log whose cache changed
 * come first: recovery rescans from the recovery point and re-assigns the epochs of what it
 * reads, so the epochs below a recovery point must be on disk before that recovery point is.
 */
static checkpoint_ctx *checkpoint_snapshot(kc_broker *b)
{
    checkpoint_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("logs: out of memory");
    for (size_t i = 0; i < b->topics.count; i++) {
        kc_topic *t = b->topics.all[i];
        for (int32_t j = 0; j < t->n_partitions; j++) {
            kc_plog *l = t->partitions[j]->log;
            kc_epoch_cache *ec = l ? kc_plog_epoch_cache(l) : NULL;
            if (!ec || !ec->dirty)
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", kc_plog_dir(l), KC_LEADER_EPOCH_CHECKPOINT);
            checkpoint_add(c, path, kc_epoch_cache_format(ec), true);
        }
    }
    for (int d = 0; d < b->cfg->n_log_dirs; d++) {
        kc_checkpoint rp = {0}, hw = {0}, ls = {0};
        for (size_t i = 0; i < b->topics.count; i++) {
            kc_topic *t = b->topics.all[i];
            for (int32_t j = 0; j < t->n_partitions; j++) {
                kc_partition *p = t->partitions[j];
                if (!p->log || p->log_dir != d)
                    continue;
                kc_checkpoint_add(&rp, t->name, j, kc_plog_recovery_point(p->log));
                kc_checkpoint_add(&hw, t->name, j, p->high_watermark);
                kc_checkpoint_add(&ls, t->name, j, kc_plog_log_start_offset(p->log));
            }
        }
        const char *names[3] = {KC_RECOVERY_POINT_CHECKPOINT, KC_REPLICATION_OFFSET_CHECKPOINT,
                                KC_LOG_START_OFFSET_CHECKPOINT};
        kc_checkpoint *cps[3] = {&rp, &hw, &ls};
        for (int k = 0; k < 3; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", b->cfg->log_dirs[d], names[k]);
            checkpoint_add(c, path, kc_checkpoint_format(cps[k]), false);
            kc_checkpoint_free(cps[k]);
        }
    }
    return c;
}

/* Writes every file of the snapshot, in order (each fsync'd when @p durable); returns the number
 * that failed. */
static int checkpoint_write(checkpoint_ctx *c, bool durable)
{
    int failed = 0;
    for (int i = 0; i < c->n; i++) {
        checkpoint_file *f = &c->files[i];
        int rc = kc_checkpoint_write_file(f->path, f->content, durable);
        if (rc) {
            kc_error("STORAGE", "cannot write '%s': %s", f->path, strerror(-rc));
            f->failed = true;
            failed++;
        }
    }
    return failed;
}

static void checkpoint_work(void *arg)
{
    checkpoint_write(arg, true);
}

/* Reactor: a leader-epoch-checkpoint that could not be written is written again next time. */
static void checkpoint_job_done(void *arg)
{
    checkpoint_ctx *c = arg;
    lm(c->b)->checkpoint_in_flight = false;
    for (int i = 0; i < c->n; i++) {
        if (!c->files[i].epochs || !c->files[i].failed)
            continue;
        for (size_t t = 0; t < c->b->topics.count; t++)
            for (int32_t j = 0; j < c->b->topics.all[t]->n_partitions; j++) {
                kc_plog *l = c->b->topics.all[t]->partitions[j]->log;
                size_t n = l ? strlen(kc_plog_dir(l)) : 0;
                if (l && strncmp(c->files[i].path, kc_plog_dir(l), n) == 0 &&
                    c->files[i].path[n] == '/')
                    kc_plog_epoch_cache(l)->dirty = true;
            }
    }
    checkpoint_free(c);
}

/* ---------------------------------------------------------------- periodic tasks */

static void each_log(kc_broker *b, void (*fn)(kc_broker *, kc_partition *))
{
    for (size_t i = 0; i < b->topics.count; i++)
        for (int32_t j = 0; j < b->topics.all[i]->n_partitions; j++)
            if (b->topics.all[i]->partitions[j]->log)
                fn(b, b->topics.all[i]->partitions[j]);
}

static void on_retention_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (!b->shutting_down)
        each_log(b, kc_log_manager_retention);
}

static void on_checkpoint_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (b->shutting_down || lm(b)->checkpoint_in_flight)
        return;
    lm(b)->checkpoint_in_flight = true;
    checkpoint_ctx *c = checkpoint_snapshot(b);
    c->b = b;
    kc_workers_submit(b->workers, checkpoint_work, checkpoint_job_done, c);
}

static void expire_producers(kc_broker *b, kc_partition *p)
{
    kc_plog_expire_producers(p->log, kc_now_ms(), b->cfg->transactional_id_expiration_ms);
}

/* LogManager's producer-id expiration task (Kafka 2.8: transactional.id.expiration.ms) */
static void on_producer_expiry_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (!b->shutting_down)
        each_log(b, expire_producers);
}

static void flush_if_due(kc_broker *b, kc_partition *p)
{
    int64_t ms = p->topic->log_config.flush_ms;
    if (ms != INT64_MAX && !p->flush_in_flight && kc_now_ms() - p->last_flush_ms >= ms)
        flush_async(b, p, kc_plog_log_end_offset(p->log));
}

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (!b->shutting_down)
        each_log(b, flush_if_due);
}

typedef struct clean_ctx {
    kc_partition *p;
    kc_clean_job *job;
    int rc;
} clean_ctx;

static void clean_work(void *arg)
{
    clean_ctx *c = arg;
    c->rc = kc_cleaner_run(c->job);
}

static void clean_done(void *arg)
{
    clean_ctx *c = arg;
    kc_clean_stats st;
    if (c->rc)
        kc_error("STORAGE", "compaction of %s-%d failed: %s", c->p->topic->name, c->p->id,
                 strerror(-c->rc));
    int n = kc_cleaner_finish(c->p->log, c->job, c->rc == 0, &st);
    if (n > 0)
        kc_info("STORAGE",
                "compacted %s-%d: %d segments, %" PRId64 " of %" PRId64 " records kept, %" PRId64
                " -> %" PRId64 " bytes",
                c->p->topic->name, c->p->id, st.segments, st.records_kept, st.records_read,
                st.bytes_before, st.bytes_after);
    c->p->cleaning = false;
    free(c);
}

static void clean_if_dirty(kc_broker *b, kc_partition *p)
{
    if (!p->topic->log_config.cleanup_compact || p->cleaning)
        return;
    int n = kc_plog_segment_count(p->log);
    int64_t last_closed = n > 1 ? kc_plog_segment_base(p->log, n - 2) : -1;
    if (last_closed < 0 || last_closed == p->cleaned_through)
        return; /* no closed segment new since the last pass */
    kc_clean_job *job = kc_cleaner_prepare(p->log, kc_now_ms());
    if (!job)
        return;
    clean_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("logs: out of memory");
    c->p = p;
    c->job = job;
    p->cleaning = true;
    p->cleaned_through = last_closed;
    kc_workers_submit(b->workers, clean_work, clean_done, c);
}

static void on_cleaner_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    if (!b->shutting_down)
        each_log(b, clean_if_dirty);
}

static struct event *periodic(kc_broker *b, int64_t ms, event_callback_fn fn)
{
    struct event *ev = event_new(b->base, -1, EV_PERSIST, fn, b);
    struct timeval tv = kc_timeval_ms(ms);
    event_add(ev, &tv);
    return ev;
}

void kc_log_manager_start_tasks(kc_broker *b)
{
    kc_log_manager *m = lm(b);
    m->retention_timer = periodic(b, b->cfg->log_retention_check_interval_ms, on_retention_timer);
    m->checkpoint_timer =
        periodic(b, b->cfg->log_flush_offset_checkpoint_interval_ms, on_checkpoint_timer);
    m->flush_timer = periodic(b, FLUSH_CHECK_MS, on_flush_timer);
    int64_t backoff = b->cfg->log_cleaner_backoff_ms > 0 ? b->cfg->log_cleaner_backoff_ms : 1;
    m->cleaner_timer = periodic(b, backoff, on_cleaner_timer);
    m->producer_expiry_timer = periodic(b, PRODUCER_EXPIRATION_CHECK_MS, on_producer_expiry_timer);
}

/* syncfs of every log dir's file system; returns the number that failed. */
static int sync_log_dirs(kc_broker *b)
{
    int failed = 0;
    for (int d = 0; d < b->cfg->n_log_dirs; d++) {
        int fd = open(b->cfg->log_dirs[d], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || syncfs(fd)) {
            kc_error("STORAGE", "flush of log dir '%s' failed: %s", b->cfg->log_dirs[d],
                     strerror(errno));
            failed++;
        }
        if (fd >= 0)
            close(fd);
    }
    return failed;
}

void kc_log_manager_shutdown(kc_broker *b)
{
    /* One syncfs per log dir instead of an fsync per file: a broker of 10,000 partitions spent
     * half a minute in fsyncs of segments, indexes and leader-epoch checkpoints before it could
     * exit. First the logs (then their recovery points may say so), then the checkpoints,
     * written without fsyncs and synced together. syncfs reports write-back errors since Linux
     * 5.8; a failure leaves no clean-shutdown marker. */
    int64_t t0 = kc_now_ms();
    size_t logs;
    kc_partition **parts = collect_partitions(b, true, &logs);
    int failed = sync_log_dirs(b);
    for (size_t i = 0; i < logs && !failed; i++)
        kc_plog_mark_flushed(parts[i]->log);
    checkpoint_ctx *c = checkpoint_snapshot(b); /* leader epochs included */
    failed += checkpoint_write(c, false);
    checkpoint_free(c);
    /* closing writes producer snapshots and trims indexes, unsynced: the syncfs below covers
     * them (an fsync each took 13-18 s for 10,000 logs) */
    each_log_parallel(b, parts, logs, close_one);
    free(parts);
    failed += sync_log_dirs(b);
    kc_info("STORAGE", "flushed and closed %zu logs with their checkpoints in %" PRId64 " ms", logs,
            kc_now_ms() - t0);
    if (failed) { /* without the marker the next start recovers: never trust a failed flush */
        kc_error("STORAGE", "%d flushes or checkpoints failed: no clean-shutdown marker", failed);
        return;
    }
    for (int d = 0; d < b->cfg->n_log_dirs; d++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", b->cfg->log_dirs[d], KC_CLEAN_SHUTDOWN_FILE);
        if (kc_write_file_atomic(path, "", 0))
            kc_error("STORAGE", "cannot write '%s'", path);
    }
}

void kc_log_manager_free(kc_broker *b)
{
    kc_log_manager *m = lm(b);
    if (!m)
        return;
    for (int i = 0; i < KC_MAX_LOG_DIRS; i++) {
        kc_checkpoint_free(&m->dirs[i].recovery);
        kc_checkpoint_free(&m->dirs[i].log_start);
        kc_checkpoint_free(&m->dirs[i].replication);
    }
    while (!LIST_EMPTY(&m->deletes)) { /* due or not: nothing reads them any more */
        delete_ctx *d = LIST_FIRST(&m->deletes);
        delete_unlink_pending(d);
        delete_work(d);
    }
    struct event *evs[5] = {m->retention_timer, m->checkpoint_timer, m->flush_timer,
                            m->cleaner_timer, m->producer_expiry_timer};
    for (int i = 0; i < 5; i++)
        if (evs[i])
            event_free(evs[i]);
    free(m);
    b->log_manager = NULL;
}
