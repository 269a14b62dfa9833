/*
 * Broker start-up, the reactor loop, ZooKeeper-driven updates and shutdown.
 *
 * Start-up (blocking, before the loop): ZooKeeper session -> persistent skeleton -> cluster id
 * (get or create) -> meta.properties check in every log dir -> topics from /brokers/topics and
 * their local logs -> listeners -> ephemeral /brokers/ids/<id> (Kafka's create-then-setData
 * multi, so the znode has dataVersion 1).
 *
 * After start-up everything runs on the reactor: the live brokers, partition leadership and
 * the cluster's metadata arrive from the controller (UpdateMetadata, LeaderAndIsr), never from
 * a watch of this broker's own; a session expiry resigns the controller, opens a new session,
 * registers again and re-runs the election.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting, complete delayed fetches, let every connection
 * flush its responses (bounded wait), fsync the logs, close the session (the ephemeral
 * registration goes with it), exit 0.
 */
#include "broker/broker.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/dispatch.h"
#include "broker/acls.h"
#include "broker/config_changes.h"
#include "broker/controlled_shutdown.h"
#include "broker/fd_budget.h"
#include "broker/fetch_session.h"
#include "broker/log_manager.h"
#include "broker/meta_props.h"
#include "broker/purgatory.h"
#include "broker/producer_ids.h"
#include "group/coordinator.h"
#include "broker/topic_create.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/workers.h"
#include "controller/channel.h"
#include "controller/controller.h"
#include "net/conn.h"
#include "net/listeners.h"
#include "proto/errors.h"
#include "replica/replica.h"
#include "config/dynconf.h"
#include "config/jaas.h"
#include "security/sasl_client.h"
#include "security/scram_store.h"
#include "zk/znodes.h"

#define SHUTDOWN_POLL_MS   20
#define SHUTDOWN_MAX_POLLS 250 /* 5 s for connections to flush */

int64_t kc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- partitions */

/* Logs keep their own copy of the config: every open one gets the new one. */
static void push_topic_config(kc_topic *t)
{
    for (int32_t i = 0; i < t->n_partitions; i++)
        if (t->partitions[i]->log)
            kc_plog_set_config(t->partitions[i]->log, &t->log_config);
}

void kc_broker_apply_topic_config(kc_broker *b, kc_topic *t, const char *json, int len)
{
    kc_log_config_defaults(&t->log_config, b->cfg);
    json_t *j = json && len > 0 ? json_loadb(json, (size_t)len, 0, NULL) : NULL;
    json_t *cfg = j ? json_object_get(j, "config") : NULL;
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v)
    {
        const char *val = json_string_value(v);
        if (!val || kc_log_config_apply(&t->log_config, k, val) < 0)
            kc_warn("TOPIC", "topic %s: ignoring unusable config %s", t->name, k);
    }
    json_decref(j);
    push_topic_config(t);
}

int16_t kc_broker_check_control(kc_broker *b, int32_t controller_epoch, int64_t broker_epoch)
{
    if (controller_epoch < b->controller_epoch)
        return KC_ERR_STALE_CONTROLLER_EPOCH;
    if (broker_epoch != -1 && broker_epoch < b->broker_epoch)
        return KC_ERR_STALE_BROKER_EPOCH;
    b->controller_epoch = controller_epoch;
    return KC_ERR_NONE;
}

kc_partition *kc_broker_leader_partition(kc_broker *b, kc_str topic, int32_t partition,
                                         int16_t *err)
{
    kc_partition *p = kc_topic_partition(kc_topics_find(&b->topics, topic), partition);
    *err = KC_ERR_NONE;
    if (p && p->log && p->leader == b->cfg->broker_id)
        return p;
    /* not led here: unknown unless the cluster knows the partition (deleted topics stay in
     * the local registry without logs) */
    const kc_mc_topic *mt = kc_metadata_cache_topic(&b->metadata, topic);
    if (!mt || partition < 0 || partition >= mt->n_partitions || !mt->partitions[partition].present)
        *err = KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    else
        *err = KC_ERR_NOT_LEADER_OR_FOLLOWER;
    return NULL;
}

void kc_broker_on_partition_change(kc_broker *b, kc_partition *p)
{
    kc_purgatory_check(b->purgatory, p);
}

/* Adds a topic read from `/brokers/topics/<name>` with its `/config/topics/<name>` payload
 * (NULL when none); its local replicas are opened with every other topic's. */
static void add_topic_from_zk(kc_broker *b, const char *name, const char *data, int len,
                              const char *config, int config_len)
{
    int32_t n = 0, rf = 0, *replicas = NULL;
    if (!data || len < 0 || kc_znode_topic_parse(data, (size_t)len, &n, &rf, &replicas, NULL)) {
        kc_warn("TOPIC", "ignoring topic %s: unreadable /brokers/topics/%s", name, name);
        return;
    }
    kc_topic *t = kc_topics_add(&b->topics, name, n, rf, replicas);
    free(replicas);
    if (!t)
        return;
    kc_broker_apply_topic_config(b, t, config, config_len);
    t->config_loaded = true;
    kc_debug("TOPIC", "loaded topic %s (%d partitions)", name, n);
}

/* ---------------------------------------------------------------- ZooKeeper, reactor side */

static void on_zk_watch(int type, const char *path, void *arg)
{
    kc_broker *b = arg;
    if (b->shutting_down || type != ZOO_CHILD_EVENT)
        return;
    kc_config_changes_on_watch(b, type, path);
    kc_acls_on_watch(b, type, path);
}

static zoo_op_t reg_ops[2];
static char reg_path[64];
static char *reg_json;

static void on_registration_stat(const kc_zk_result *res, void *arg)
{
    kc_broker *b = arg;
    b->registering = false;
    if (res->rc == ZOK && res->stat.ephemeralOwner == kc_zk_session_id(b->zk)) {
        b->registered = true;
        b->broker_epoch = res->stat.czxid;
        kc_info("ZK", "re-registered %s in the new session (broker epoch %lld)", reg_path,
                (long long)b->broker_epoch);
        kc_controller_elect(b->controller, b->broker_epoch);
    } else if (res->rc == ZOK) {
        kc_error("ZK",
                 "%s is registered by another session: is another broker running with "
                 "id %d? shutting down",
                 reg_path, b->cfg->broker_id);
        kc_broker_shutdown(b, 1);
    }
    /* other errors: connection trouble; the next CONNECTED event tries again */
}

static void on_reregistered(const kc_zk_result *res, void *arg)
{
    kc_broker *b = arg;
    if (res->rc == ZOK || res->rc == ZNODEEXISTS) {
        /* created now, or by an earlier attempt of this session whose answer was lost: the
         * owner and the new broker epoch tell */
        kc_zk_aget(b->zk, reg_path, 0, on_registration_stat, b);
        return;
    }
    b->registering = false;
    kc_warn("ZK", "re-registration of %s failed: %s; retrying on reconnection", reg_path,
            zerror(res->rc));
}

static void prepare_registration_ops(kc_broker *b)
{
    free(reg_json);
    reg_json = kc_znode_broker_json(b->cfg, kc_now_ms());
    snprintf(reg_path, sizeof(reg_path), "/brokers/ids/%d", b->cfg->broker_id);
    /* Kafka (KAFKA-7165): create with no data, then setData at version 0 -> dataVersion 1 */
    zoo_create_op_init(&reg_ops[0], reg_path, NULL, -1, kc_zk_acl(b->zk, reg_path), ZOO_EPHEMERAL,
                       NULL, 0);
    zoo_set_op_init(&reg_ops[1], reg_path, reg_json, (int)strlen(reg_json), 0, NULL);
}

static void on_zk_session(int state, void *arg)
{
    kc_broker *b = arg;
    if (b->shutting_down)
        return;
    if (state == ZOO_EXPIRED_SESSION_STATE) {
        kc_warn("ZK", "ZooKeeper session expired; opening a new session and registering again");
        b->registered = false;
        b->registering = false;
        kc_controller_session_expired(b->controller);
        if (kc_zk_reconnect(b->zk)) {
            kc_error("ZK", "cannot open a new ZooKeeper session; shutting down");
            kc_broker_shutdown(b, 1);
        }
    } else if (state == ZOO_CONNECTED_STATE && !b->registered && !b->registering) {
        b->registering = true;
        prepare_registration_ops(b);
        kc_zk_amulti(b->zk, 2, reg_ops, on_reregistered, b);
    }
}

/* ---------------------------------------------------------------- start-up */

static int get_or_create_cluster_id(kc_broker *b)
{
    zhandle_t *zh = kc_zk_handle(b->zk);
    for (int attempt = 0; attempt < 3; attempt++) {
        char buf[512];
        int len = sizeof(buf) - 1;
        int rc = kc_zk_sync_get(b->zk, "/cluster/id", buf, &len);
        if (rc == ZOK && len > 0) {
            if (kc_znode_cluster_id_parse(buf, (size_t)len, b->cluster_id, sizeof(b->cluster_id))) {
                kc_error("ZK", "/cluster/id holds malformed data");
                return -1;
            }
            return 0;
        }
        if (rc != ZNONODE) {
            kc_error("ZK", "reading /cluster/id failed: %s", zerror(rc));
            return -1;
        }
        char id[23];
        kc_znode_random_uuid(id);
        char *json = kc_znode_cluster_id_json(id);
        rc = kc_zk_sync_mkdirs(b->zk, "/cluster");
        int64_t deadline = 0;
        if (rc == ZOK)
            do
                rc = zoo_create(zh, "/cluster/id", json, (int)strlen(json),
                                kc_zk_acl(b->zk, "/cluster/id"), 0, NULL, 0);
            while (kc_zk_sync_retry(b->zk, rc, &deadline));
        free(json);
        if (rc == ZOK) {
            snprintf(b->cluster_id, sizeof(b->cluster_id), "%s", id);
            kc_info("ZK", "created cluster id %s", id);
            return 0;
        }
        if (rc != ZNODEEXISTS) { /* another broker won the race: read theirs */
            kc_error("ZK", "creating /cluster/id failed: %s", zerror(rc));
            return -1;
        }
    }
    return -1;
}

static int check_log_dirs(kc_broker *b)
{
    for (int i = 0; i < b->cfg->n_log_dirs; i++) {
        const char *dir = b->cfg->log_dirs[i];
        char err[512];
        int rc = kc_mkdirs(dir);
        if (rc) {
            kc_error("STORAGE", "cannot create log dir '%s': %s", dir, strerror(-rc));
            return -1;
        }
        kc_meta_props mp;
        rc = kc_meta_props_read(dir, &mp, err, sizeof(err));
        if (rc < 0) {
            kc_error("STORAGE", "%s", err);
            return -1;
        }
        if (rc == 1 && mp.cluster_id[0] && strcmp(mp.cluster_id, b->cluster_id) != 0) {
            kc_error("STORAGE",
                     "the cluster id %s in ZooKeeper doesn't match the stored cluster.id %s in "
                     "'%s/meta.properties': the broker is trying to join the wrong cluster",
                     b->cluster_id, mp.cluster_id, dir);
            return -1;
        }
        if (rc == 1 && mp.broker_id >= 0 && mp.broker_id != b->cfg->broker_id) {
            kc_error("STORAGE",
                     "configured broker.id %d doesn't match stored broker.id %d in "
                     "'%s/meta.properties'",
                     b->cfg->broker_id, mp.broker_id, dir);
            return -1;
        }
        if (rc == 0) {
            mp.version = 0;
            mp.broker_id = b->cfg->broker_id;
            snprintf(mp.cluster_id, sizeof(mp.cluster_id), "%s", b->cluster_id);
            if ((rc = kc_meta_props_write(dir, &mp))) {
                kc_error("STORAGE", "cannot write '%s/meta.properties': %s", dir, strerror(-rc));
                return -1;
            }
        }
    }
    return 0;
}

static int load_topics(kc_broker *b)
{
    struct String_vector names = {0, NULL};
    int rc = kc_zk_sync_get_children(b->zk, "/brokers/topics", &names);
    if (rc != ZOK) {
        kc_error("ZK", "listing /brokers/topics failed: %s", zerror(rc));
        return -1;
    }
    int buflen = 1 << 20;
    char *buf = malloc((size_t)buflen);
    if (!buf)
        kc_fatal("broker: out of memory");
    char *cbuf = malloc((size_t)buflen);
    if (!cbuf)
        kc_fatal("broker: out of memory");
    for (int i = 0; i < names.count; i++) {
        char path[600];
        snprintf(path, sizeof(path), "/brokers/topics/%s", names.data[i]);
        int len = buflen, clen = buflen;
        if (kc_zk_sync_get(b->zk, path, buf, &len) != ZOK)
            continue;
        snprintf(path, sizeof(path), "/config/topics/%s", names.data[i]);
        if (kc_zk_sync_get(b->zk, path, cbuf, &clen) != ZOK)
            clen = -1;
        add_topic_from_zk(b, names.data[i], buf, len, clen > 0 ? cbuf : NULL, clen);
    }
    free(cbuf);
    free(buf);
    kc_info("TOPIC", "loaded %d topics", names.count);
    deallocate_String_vector(&names);
    kc_log_manager_open_all(b);
    return 0;
}

/* Every user's SCRAM credentials, before any listener accepts (Kafka fills its credential cache
 * before the socket server starts); changes arrive later through /config/changes. */
static int load_users(kc_broker *b)
{
    struct String_vector names = {0, NULL};
    int rc = kc_zk_sync_get_children(b->zk, "/config/users", &names);
    if (rc == ZNONODE)
        return 0;
    if (rc != ZOK) {
        kc_error("ZK", "listing /config/users failed: %s", zerror(rc));
        return -1;
    }
    int buflen = 1 << 20, loaded = 0;
    char *buf = malloc((size_t)buflen);
    if (!buf)
        kc_fatal("broker: out of memory");
    for (int i = 0; i < names.count; i++) {
        char path[1200], user[1000];
        snprintf(path, sizeof(path), "/config/users/%s", names.data[i]);
        int len = buflen;
        if (kc_zk_sync_get(b->zk, path, buf, &len) != ZOK ||
            kc_cfg_entity_desanitize(names.data[i], user, sizeof(user)))
            continue;
        loaded += kc_scram_store_update(b->scram_store, user, buf, len) > 0;
    }
    free(buf);
    deallocate_String_vector(&names);
    if (loaded)
        kc_info("BROKER", "loaded the SCRAM credentials of %d user(s)", loaded);
    return 0;
}

/*
 * Registers /brokers/ids/<id>. A node held by another session is either a live broker with our
 * id (fatal) or the registration of our own previous process, killed before its session
 * expired: waiting one session timeout (plus a margin) tells them apart, since a dead
 * process's session expires within it and a live broker's never does.
 */
static int register_broker(kc_broker *b)
{
    zhandle_t *zh = kc_zk_handle(b->zk);
    prepare_registration_ops(b);
    int64_t deadline = kc_now_ms() + b->cfg->zookeeper_session_timeout_ms + 5000;
    bool warned = false;
    struct Stat st;
    int rc;
    int64_t retry_deadline = 0;
    for (;;) {
        zoo_op_result_t results[2];
        rc = zoo_multi(zh, 2, reg_ops, results);
        if (kc_zk_sync_retry(b->zk, rc, &retry_deadline))
            continue; /* a lost answer may mean it was created: NODEEXISTS + owner check below */
        if (rc != ZNODEEXISTS)
            break;
        int erc = zoo_exists(zh, reg_path, 0, &st);
        if (erc == ZOK && st.ephemeralOwner == kc_zk_session_id(b->zk)) {
            rc = ZOK; /* ours: a retried create of this very session */
            break;
        }
        if (erc == ZNONODE)
            continue;
        if (kc_now_ms() >= deadline) {
            kc_error("ZK",
                     "broker.id %d is already registered at %s by another live session; is "
                     "another broker running with the same id?",
                     b->cfg->broker_id, reg_path);
            return -1;
        }
        if (!warned)
            kc_warn("ZK",
                    "%s is held by another session; waiting up to %d ms for it to expire "
                    "(a previous process of this broker that was killed)",
                    reg_path, b->cfg->zookeeper_session_timeout_ms + 5000);
        warned = true;
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (rc != ZOK) {
        kc_error("ZK", "registering %s failed: %s", reg_path, zerror(rc));
        return -1;
    }
    if (zoo_exists(zh, reg_path, 0, &st) == ZOK)
        b->broker_epoch = st.czxid;
    b->registered = true;
    kc_info("ZK", "registered %s (broker epoch %lld): %s", reg_path, (long long)b->broker_epoch,
            reg_json);
    return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    kc_info("BROKER", "received signal %d, shutting down", (int)sig);
    kc_broker_shutdown(arg, 0);
}

int kc_broker_start(kc_broker *b, kc_config *cfg)
{
    memset(b, 0, sizeof(*b));
    b->cfg = cfg;
    kc_topics_init(&b->topics);
    kc_metadata_cache_init(&b->metadata);
    evthread_use_pthreads();
    b->base = event_base_new();
    if (!b->base) {
        kc_error("BROKER", "cannot create the event loop");
        return -1;
    }
    b->mb = kc_mailbox_new(b->base);
    b->workers = kc_workers_new(2, b->mb);
    b->purgatory = kc_purgatory_new(b);
    b->fetch_sessions = kc_fetch_session_cache_new(
        cfg->max_incremental_fetch_session_cache_slots,
        (uint64_t)kc_now_ms() * 1000003u ^ (uint64_t)getpid() ^ (uint64_t)cfg->broker_id << 32);
    b->scram_store = kc_scram_store_new();
    for (int i = 0; i < cfg->n_listeners; i++)
        if (kc_sec_is_tls(cfg->listeners[i].protocol) && !b->ssl_ctx) {
            char err[512];
            b->ssl_ctx = kc_tls_server_ctx_new(cfg, err, sizeof(err));
            if (!b->ssl_ctx) {
                kc_error("CONFIG", "%s", err);
                return -1;
            }
        }
    if (kc_sec_is_tls(kc_config_inter_broker_protocol(cfg))) {
        char err[512];
        b->ssl_client_ctx = kc_tls_client_ctx_new(cfg, err, sizeof(err));
        if (!b->ssl_client_ctx) {
            kc_error("CONFIG", "%s", err);
            return -1;
        }
    }
    b->zk = kc_zk_new(cfg->zookeeper_connect, cfg->zookeeper_session_timeout_ms, b->mb, on_zk_watch,
                      on_zk_session, b);
    kc_zk_set_security(b->zk, cfg->zookeeper_auth_digest, cfg->zookeeper_set_acl);
    char err[512];
    if (kc_zk_connect(b->zk, cfg->zookeeper_connection_timeout_ms, err, sizeof(err))) {
        kc_error("ZK", "%s", err);
        return -1;
    }
    int zrc = kc_zk_sync_mkdirs_all(b->zk, kc_znode_skeleton_paths);
    if (zrc != ZOK) {
        kc_error("ZK", "creating the znode skeleton (/brokers, /config, ...) failed: %s",
                 zerror(zrc));
        return -1;
    }
    char budget_err[512];
    if (kc_fd_budget_check(cfg, NULL, NULL, budget_err, sizeof(budget_err))) {
        kc_error("STORAGE", "%s", budget_err);
        return -1;
    }
    if (get_or_create_cluster_id(b) || check_log_dirs(b) || kc_log_manager_init(b) ||
        load_topics(b) || load_users(b) || kc_acls_load(b))
        return -1;
    kc_conns_start(b);
    if (kc_listeners_start(b) || register_broker(b))
        return -1;
    b->ib_security = (kc_ibclient_security){.ssl_ctx = b->ssl_client_ctx};
    if (kc_sec_is_sasl(kc_config_inter_broker_protocol(cfg))) {
        const char *mech = cfg->sasl_mechanism_inter_broker_protocol;
        const kc_jaas *j = kc_config_jaas(cfg, kc_config_inter_broker_listener(cfg), mech);
        b->ib_security.sasl_mechanism = mech;
        b->ib_security.sasl_username = kc_jaas_get(j, "username"); /* checked at config load */
        b->ib_security.sasl_password = kc_jaas_get(j, "password");
        b->ib_security.sasl_ops = kc_sasl_client_ops();
    }
    kc_channel_set_env(b->base, b->mb, &b->ib_security);
    b->controller = kc_controller_new(cfg, b->zk);
    kc_controller_elect(b->controller, b->broker_epoch);
    kc_config_changes_start(b);
    kc_acls_start(b);
    kc_log_manager_start_tasks(b);
    kc_replica_manager_start(b);
    kc_coordinator_start(b);
    kc_producer_ids_start(b);
    b->sig_term = evsignal_new(b->base, SIGTERM, on_signal, b);
    b->sig_int = evsignal_new(b->base, SIGINT, on_signal, b);
    event_add(b->sig_term, NULL);
    event_add(b->sig_int, NULL);
    kc_info("BROKER", "broker %d started (cluster id %s)", cfg->broker_id, b->cluster_id);
    return 0;
}

/* ---------------------------------------------------------------- run and shutdown */

static void on_shutdown_poll(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    kc_purgatory_expire_all(b->purgatory);
    if (kc_conns_count(b) == 0 || ++b->shutdown_polls >= SHUTDOWN_MAX_POLLS) {
        event_base_loopexit(b->base, NULL);
        return;
    }
    struct timeval tv = {0, SHUTDOWN_POLL_MS * 1000};
    evtimer_add(b->shutdown_timer, &tv);
}

void kc_broker_shutdown(kc_broker *b, int exit_code)
{
    if (b->shutting_down || b->cs_started)
        return;
    b->exit_code = exit_code;
    if (b->cfg->controlled_shutdown_enable && b->registered) {
        b->cs_started = true;
        kc_controlled_shutdown_start(b);
        return;
    }
    kc_broker_shutdown_now(b);
}

void kc_broker_shutdown_now(kc_broker *b)
{
    if (b->shutting_down)
        return;
    b->shutting_down = true;
    kc_listeners_stop(b);
    kc_replica_manager_stop(b);
    kc_coordinator_shutdown(b); /* parked joins and syncs get NOT_COORDINATOR */
    kc_producer_ids_shutdown(b);
    kc_purgatory_expire_all(b->purgatory);
    kc_conns_shutdown(b);
    b->shutdown_timer = evtimer_new(b->base, on_shutdown_poll, b);
    struct timeval tv = {0, 0};
    evtimer_add(b->shutdown_timer, &tv);
}

int kc_broker_run(kc_broker *b)
{
    event_base_dispatch(b->base);
    return b->exit_code;
}

void kc_broker_destroy(kc_broker *b)
{
    kc_listeners_stop(b);
    b->shutting_down = true;
    /* finish the slow file work first (its completions touch the logs), then flush, write
     * the checkpoints and the clean-shutdown marker, and only then deregister: once the
     * registration is gone, clients and the controller move on */
    if (b->replicas)
        kc_replica_manager_stop(b);
    kc_coordinator_shutdown(b);
    kc_producer_ids_shutdown(b);
    if (b->purgatory) /* before the workers go: completing a fetch may hand one a prefetch */
        kc_purgatory_expire_all(b->purgatory);
    kc_workers_free(b->workers);
    b->workers = NULL;
    if (b->mb)
        kc_mailbox_drain(b->mb);
    kc_conns_free_all(b);
    if (b->log_manager)
        kc_log_manager_shutdown(b);
    kc_controller_free(b->controller); /* before the session goes: it uses the handle */
    b->controller = NULL;
    kc_zk_close(b->zk); /* closes the session: /brokers/ids/<id> is deleted now */
    if (b->mb)
        kc_mailbox_drain(b->mb); /* completions of cancelled ZooKeeper operations */
    kc_zk_free(b->zk);
    b->zk = NULL;
    kc_log_manager_free(b);
    if (b->replicas)
        kc_replica_manager_free(b);
    kc_coordinator_free(b);
    kc_producer_ids_free(b);
    kc_topics_destroy(&b->topics);
    kc_purgatory_free(b->purgatory);
    kc_fetch_session_cache_free(b->fetch_sessions); /* after the purgatory: no fetch waits */
    b->fetch_sessions = NULL;
    kc_scram_store_free(b->scram_store);
    b->scram_store = NULL;
    kc_acls_free(b);
    kc_metadata_cache_free(&b->metadata);
    if (b->sig_term)
        event_free(b->sig_term);
    if (b->sig_int)
        event_free(b->sig_int);
    if (b->shutdown_timer)
        event_free(b->shutdown_timer);
    if (b->cs_timer)
        event_free(b->cs_timer);
    kc_mailbox_free(b->mb);
    if (b->base)
        event_base_free(b->base);
    if (b->ssl_ctx)
        SSL_CTX_free(b->ssl_ctx);
    if (b->ssl_client_ctx)
        SSL_CTX_free(b->ssl_client_ctx);
    free(reg_json);
    reg_json = NULL;
    kc_info("BROKER", "broker %d stopped", b->cfg->broker_id);
}
