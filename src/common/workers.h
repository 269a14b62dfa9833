/*
 * A small pool of worker threads for slow file work the reactor must never wait on (fsync,
 * segment deletion, cold-read prefetch, log cleaning; DESIGN.md "Threads"). A job's work
 * function runs on a worker; its completion, if any, runs afterwards on the reactor through the
 * mailbox. Jobs run in submission order per worker but may overlap across workers.
 */
#ifndef KC_WORKERS_H
#define KC_WORKERS_H

#include "common/mailbox.h"

typedef struct kc_workers kc_workers;
typedef void (*kc_work_fn)(void *arg);

/**
 * Start @p n_threads workers whose completions are posted to @p mb.
 * @return the pool (owned by the caller, kc_workers_free()); aborts when threads cannot start.
 */
kc_workers *kc_workers_new(int n_threads, kc_mailbox *mb);

/**
 * Queue @p work(@p arg) for a worker, then @p done(@p arg) on the reactor (skipped when NULL).
 * Thread-safe. @p arg is owned by the job until @p done (or @p work when done is NULL) returns.
 */
void kc_workers_submit(kc_workers *w, kc_work_fn work, kc_work_fn done, void *arg);

/**
 * Run every queued job, stop the threads and free the pool. Completions of jobs that finish
 * during this call are posted to the mailbox; the caller drains it afterwards.
 */
void kc_workers_free(kc_workers *w);

#endif
