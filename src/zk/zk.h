/*
 * The broker's ZooKeeper session (libzookeeper_mt 3.8). Two ways in:
 *  - blocking helpers (kc_zk_connect, kc_zk_sync_*) for start-up, before the reactor runs;
 *  - asynchronous operations whose callbacks run on the reactor thread: ZooKeeper's completion
 *    thread only copies the result and posts it through the mailbox (DESIGN.md "Threads").
 * Watch and session events also arrive on the reactor, tagged with the handle that produced
 * them so that events of an expired handle are dropped.
 *
 * A chroot in zookeeper.connect ("h1:2181,h2:2181/kafka") is created if missing, as Kafka does.
 */
#ifndef KC_ZK_H
#define KC_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

#include "common/mailbox.h"

typedef struct kc_zk kc_zk;

/** Result of an asynchronous operation, valid only during the callback. */
typedef struct kc_zk_result {
    int rc;           /* ZOK or a ZooKeeper error (ZNONODE, ZNODEEXISTS, ZBADVERSION...) */
    const char *data; /* aget: node data (NULL for a null payload) */
    int data_len;     /* aget: bytes in data, -1 for null */
    struct Stat stat; /* aget, aset, aexists */
    char **children;  /* aget_children: names, not paths */
    int n_children;
    const char *path; /* acreate: the created path */
} kc_zk_result;

typedef void (*kc_zk_cb)(const kc_zk_result *res, void *arg);
/** A watch fired: @p type is ZOO_CREATED_EVENT, ZOO_CHILD_EVENT...; runs on the reactor. */
typedef void (*kc_zk_watch_cb)(int type, const char *path, void *arg);
/** Session state changed (ZOO_CONNECTED_STATE, ZOO_EXPIRED_SESSION_STATE); on the reactor. */
typedef void (*kc_zk_session_cb)(int state, void *arg);

/**
 * A session object for @p connect (hosts, optional chroot) with @p session_timeout_ms; events are
 * delivered through @p mb to @p on_watch / @p on_session with @p arg. Does not connect.
 */
kc_zk *kc_zk_new(const char *connect, int session_timeout_ms, kc_mailbox *mb,
                 kc_zk_watch_cb on_watch, kc_zk_session_cb on_session, void *arg);

/**
 * ZooKeeper security, before kc_zk_connect(): @p digest ("user:password", NULL or "" for none)
 * is added to every session with zoo_add_auth's "digest" scheme (cafka's
 * zookeeper.auth.digest, where Kafka reads a JAAS Client section); @p set_acl
 * (zookeeper.set.acl) makes every znode created from then on carry kc_zk_acl()'s secure ACLs.
 * Copies @p digest; aborts on OOM.
 */
void kc_zk_set_security(kc_zk *zk, const char *digest, bool set_acl);

/**
 * The ACL a znode at @p path (chroot-relative) is created with: open without zookeeper.set.acl;
 * otherwise Kafka's ZkData.defaultAcls: all rights for the creator's authenticated identity
 * ("auth" scheme) plus world READ, and no world access at all under the sensitive roots
 * `/config/users`, `/config/brokers` and `/delegation_token`. Static storage; never NULL.
 */
struct ACL_vector *kc_zk_acl(const kc_zk *zk, const char *path);

/**
 * Blocking: create the chroot if missing, then open the session and wait until it is connected,
 * at most @p timeout_ms (zookeeper.connection.timeout.ms).
 * @return 0, or -1 with @p err set (unreachable ensemble, timeout).
 */
int kc_zk_connect(kc_zk *zk, int timeout_ms, char *err, size_t errlen);

/**
 * Replace an expired session with a new one (non-blocking; the new session's CONNECTED event
 * arrives through on_session). Reactor thread only.
 * @return 0, or -1 when zookeeper_init failed.
 */
int kc_zk_reconnect(kc_zk *zk);

/** The current handle (NULL before connect). */
zhandle_t *kc_zk_handle(kc_zk *zk);

/**
 * For a thread other than the reactor (the controller) that makes synchronous calls: the
 * current handle (NULL when none), read-locked so that the reactor cannot close or replace it
 * until kc_zk_release(). Hold it for one call at a time: kc_zk_reconnect() waits for it.
 */
zhandle_t *kc_zk_acquire(kc_zk *zk);
/** Ends a kc_zk_acquire(). */
void kc_zk_release(kc_zk *zk);

/** This session's id (0 when none). */
int64_t kc_zk_session_id(kc_zk *zk);

/**
 * Close the session now (its ephemeral znodes go at once). Events and completions still queued
 * in the mailbox are dropped or see ZCLOSING; drain the mailbox before kc_zk_free().
 */
void kc_zk_close(kc_zk *zk);

/** Free @p zk (closing the session first if still open). */
void kc_zk_free(kc_zk *zk);

/* ---- blocking helpers: start-up only, never on the running reactor ---- */

/** Create @p path and missing parents as persistent znodes with no data; existing ones are kept.
 *  @return ZOK or the ZooKeeper error of the first failing create. */
int kc_zk_sync_mkdirs(kc_zk *zk, const char *path);

/** kc_zk_sync_mkdirs() of each path of the NULL-terminated @p paths, after one multi-op that
 *  checks whether they all exist already (then nothing is created: one round trip).
 *  @return ZOK or the ZooKeeper error of the first failing create. */
int kc_zk_sync_mkdirs_all(kc_zk *zk, const char *const *paths);

/**
 * Retry policy for the blocking start-up calls: true, after a 200 ms pause, when @p rc is a
 * transient connection error (ZCONNECTIONLOSS, ZOPERATIONTIMEOUT: the client is moving to
 * another server of the ensemble) and less than zookeeper.connection.timeout.ms has passed
 * since the first failure (@p deadline_ms starts at 0).
 */
bool kc_zk_sync_retry(kc_zk *zk, int rc, int64_t *deadline_ms);

/** zoo_get of @p path into @p buf (@p *len: its capacity in, the data's length out, -1 for a
 *  null payload), retried as kc_zk_sync_retry() says. @return ZOK or the ZooKeeper error. */
int kc_zk_sync_get(kc_zk *zk, const char *path, char *buf, int *len);

/** zoo_get_children of @p path (caller frees @p out with deallocate_String_vector), retried as
 *  kc_zk_sync_retry() says. @return ZOK or the ZooKeeper error. */
int kc_zk_sync_get_children(kc_zk *zk, const char *path, struct String_vector *out);

/* ---- asynchronous operations: @p cb runs on the reactor, exactly once ---- */

/** zoo_acreate with kc_zk_acl(). @p flags: 0, ZOO_EPHEMERAL, ZOO_SEQUENCE. @p data copied. */
void kc_zk_acreate(kc_zk *zk, const char *path, const char *data, int len, int flags, kc_zk_cb cb,
                   void *arg);
/** zoo_aget; @p watch 1 sets a data watch delivered to on_watch. */
void kc_zk_aget(kc_zk *zk, const char *path, int watch, kc_zk_cb cb, void *arg);
/** zoo_aget_children; @p watch 1 sets a child watch delivered to on_watch. */
void kc_zk_aget_children(kc_zk *zk, const char *path, int watch, kc_zk_cb cb, void *arg);
/** zoo_aset at @p version (-1 = any). */
void kc_zk_aset(kc_zk *zk, const char *path, const char *data, int len, int version, kc_zk_cb cb,
                void *arg);
/** zoo_amulti of @p count ops (the ops' buffers must stay valid until @p cb runs). */
void kc_zk_amulti(kc_zk *zk, int count, const zoo_op_t *ops, kc_zk_cb cb, void *arg);

#endif
