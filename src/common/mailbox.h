/*
 * Cross-thread hand-off to the reactor (DESIGN.md "Threads"): other threads (ZooKeeper's
 * completion thread, workers) post a function and its argument; the reactor runs them in post
 * order from its event loop. Posting never blocks on the reactor and never runs the function
 * on the posting thread.
 */
#ifndef KC_MAILBOX_H
#define KC_MAILBOX_H

struct event_base;

typedef struct kc_mailbox kc_mailbox;
typedef void (*kc_mailbox_fn)(void *arg);

/**
 * Create a mailbox served by @p base's loop. Requires evthread_use_pthreads() before @p base was
 * created. @return the mailbox (owned by the caller, kc_mailbox_free()); aborts on OOM.
 */
kc_mailbox *kc_mailbox_new(struct event_base *base);

/**
 * Queue @p fn(@p arg) to run on the reactor thread and wake it (event_active()). Thread-safe.
 * @p arg is owned by @p fn from then on.
 */
void kc_mailbox_post(kc_mailbox *mb, kc_mailbox_fn fn, void *arg);

/** Run everything queued now, on the calling thread (used at shutdown, after the loop ends). */
void kc_mailbox_drain(kc_mailbox *mb);

/** Free the mailbox; queued items that were never run are dropped (their args leak by design
 *  only at process exit). */
void kc_mailbox_free(kc_mailbox *mb);

#endif
