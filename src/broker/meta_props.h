/*
 * `meta.properties` in every log dir (Kafka's BrokerMetadataCheckpoint, ZooKeeper mode):
 * version=0, broker.id, cluster.id. A log dir that belongs to another broker or cluster is
 * refused at start-up, as Kafka does ("The Cluster ID ... doesn't match stored clusterId").
 */
#ifndef KC_META_PROPS_H
#define KC_META_PROPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct kc_meta_props {
    int version;         /* -1 when absent */
    int32_t broker_id;   /* -1 when absent */
    char cluster_id[64]; /* "" when absent */
} kc_meta_props;

/**
 * Read `<dir>/meta.properties`. @return 1 when read, 0 when the file does not exist, -1 when it
 * exists but cannot be read or parsed (@p err says why).
 */
int kc_meta_props_read(const char *dir, kc_meta_props *out, char *err, size_t errlen);

/**
 * Write `<dir>/meta.properties` atomically (temporary file, fsync, rename).
 * @return 0, or -errno.
 */
int kc_meta_props_write(const char *dir, const kc_meta_props *mp);

#endif
