"""DescribeConfigs (32) and AlterConfigs (33) on a real broker, and the config change listener.

confluent-kafka's AdminClient describes a topic's configs (Kafka's defaults, an override set at
creation), alters them (AlterConfigs replaces the whole override set, writes
`/config/topics/<t>` and a `/config/changes/config_change_<seq>` notification) and gets Kafka's
errors for unusable input. Hand-made requests cover what the client cannot choose: v0's
is_default, v2 synonyms, BROKER resources and the error cases. The listener applies changes live:
a retention.ms lowered by AlterConfigs (topic override, then the cluster-wide broker default)
makes the retention task delete old segments without a restart, and notifications written by
another tool (v1 payload) are applied, and re-processed after a restart.
"""

import json
import struct
import time

import kafka_wire as kw
from helpers import create_topic, rdkafka_conf, scaled, wait_for

TOPIC, BROKER = 2, 4
UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC, INVALID_CONFIG, INVALID_REQUEST = 3, 17, 40, 42
SRC_TOPIC, SRC_DYN_BROKER, SRC_DYN_DEFAULT, SRC_STATIC, SRC_DEFAULT = 1, 2, 3, 4, 5


# ---------------------------------------------------------------------------------------------
# Hand-made DescribeConfigs / AlterConfigs (layouts from Kafka's *Request.json / *Response.json)


def _strings(items):
    if items is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(items)) + b"".join(kw.string(s) for s in items)


def describe_request(corr, version, resources, include_synonyms=False):
    """resources: [(resource_type, resource_name, [keys] or None)]"""
    body = struct.pack(">i", len(resources))
    for rtype, name, keys in resources:
        body += struct.pack(">b", rtype) + kw.string(name) + _strings(keys)
    if version >= 1:
        body += struct.pack(">?", include_synonyms)
    return kw.request(32, version, corr, body)


def parse_describe(payload, version):
    r = kw.Reader(payload)
    corr = r.i32()
    r.i32()  # throttle_time_ms
    results = []
    for _ in range(r.i32()):
        res = {"error_code": r.i16(), "error_message": r.string(), "type": r.i8(), "name": r.string()}
        configs = {}
        for _ in range(r.i32()):
            c = {"name": r.string(), "value": r.string(), "read_only": r.i8() == 1}
            if version == 0:
                c["is_default"] = r.i8() == 1
            else:
                c["source"] = r.i8()
            c["sensitive"] = r.i8() == 1
            if version >= 1:
                c["synonyms"] = [(r.string(), r.string(), r.i8()) for _ in range(r.i32())]
            configs[c["name"]] = c
        res["configs"] = configs
        results.append(res)
    assert r.remaining() == 0, "trailing bytes in DescribeConfigs response"
    return corr, results


def alter_request(corr, version, resources, validate_only=False):
    """resources: [(resource_type, resource_name, {name: value or None})]"""
    body = struct.pack(">i", len(resources))
    for rtype, name, cfg in resources:
        body += struct.pack(">b", rtype) + kw.string(name) + struct.pack(">i", len(cfg))
        for k, v in cfg.items():
            body += kw.string(k) + kw.string(v)
    body += struct.pack(">?", validate_only)
    return kw.request(33, version, corr, body)


def parse_alter(payload):
    r = kw.Reader(payload)
    corr = r.i32()
    r.i32()  # throttle_time_ms
    out = [
        {"error_code": r.i16(), "error_message": r.string(), "type": r.i8(), "name": r.string()}
        for _ in range(r.i32())
    ]
    assert r.remaining() == 0, "trailing bytes in AlterConfigs response"
    return corr, out


def describe(broker, resources, version=2, include_synonyms=True):
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        corr, results = parse_describe(c.roundtrip(describe_request(7, version, resources, include_synonyms)), version)
    assert corr == 7
    return results


def alter(broker, resources, version=1, validate_only=False):
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        corr, out = parse_alter(c.roundtrip(alter_request(9, version, resources, validate_only)))
    assert corr == 9
    return out


# ---------------------------------------------------------------------------------------------
# Helpers


def admin_describe_topic(broker, topic):
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient(rdkafka_conf(broker))
    fs = admin.describe_configs([ConfigResource("topic", topic)], request_timeout=scaled(15))
    return list(fs.values())[0].result(timeout=scaled(15))


def admin_alter_topic(broker, topic, config, validate_only=False):
    from confluent_kafka.admin import AdminClient, ConfigResource

    admin = AdminClient(rdkafka_conf(broker))
    fs = admin.alter_configs(
        [ConfigResource("topic", topic, set_config=config)],
        request_timeout=scaled(15),
        validate_only=validate_only,
    )
    return list(fs.values())[0].result(timeout=scaled(15))


def source(entry):
    """A ConfigEntry's source as Kafka's id (an int or a ConfigSource, depending on the binding)."""
    return int(getattr(entry.source, "value", entry.source))


def zk_json(zk, path):
    raw, stat = zk.get(path)
    return json.loads(raw), stat


def notifications(zk, broker):
    """{child name: payload} of /config/changes."""
    base = f"{broker.chroot}/config/changes"
    return {c: zk_json(zk, f"{base}/{c}")[0] for c in sorted(zk.get_children(base))}


def watermarks(broker, topic, partition=0):
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-cfg-wm", "enable.auto.commit": False}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=scaled(10))
    finally:
        c.close()


def produce_one_batch_each(broker, topic, n, size=100):
    from confluent_kafka import Producer

    p = Producer(rdkafka_conf(broker, extra={"linger.ms": 0, "acks": "1"}))
    for i in range(n):
        p.produce(topic, key=b"%d" % i, value=b"v" * size, partition=0)
        assert p.flush(scaled(10)) == 0
    return n


# ---------------------------------------------------------------------------------------------
# DescribeConfigs


def test_describe_shows_defaults_and_a_creation_override(broker):
    topic = "cfg-described"
    create_topic(broker, topic, config={"retention.ms": "3600000"})
    cfg = admin_describe_topic(broker, topic)
    assert len(cfg) >= 25, sorted(cfg)
    r = cfg["retention.ms"]
    assert r.value == "3600000"
    assert source(r) == SRC_TOPIC
    assert not r.is_default and not r.is_read_only and not r.is_sensitive
    s = cfg["segment.bytes"]
    assert s.value == "1073741824" and source(s) == SRC_DEFAULT and s.is_default
    expected = {
        "cleanup.policy": "delete",
        "compression.type": "producer",
        "delete.retention.ms": "86400000",
        "file.delete.delay.ms": "60000",
        "flush.messages": "9223372036854775807",
        "flush.ms": "9223372036854775807",
        "index.interval.bytes": "4096",
        "max.message.bytes": "1048588",
        "message.timestamp.type": "CreateTime",
        "min.insync.replicas": "1",
        "retention.bytes": "-1",
        "segment.index.bytes": "10485760",
        "segment.ms": "604800000",
        "unclean.leader.election.enable": "false",
    }
    for k, v in expected.items():
        assert cfg[k].value == v, (k, cfg[k].value)
        assert source(cfg[k]) == SRC_DEFAULT, k


def test_describe_versions_synonyms_and_errors(broker_factory):
    b = broker_factory(overrides={"log.segment.bytes": "2097152"})
    create_topic(b, "cfg-raw", config={"retention.ms": "5000"})

    # v0: is_default instead of config_source, no synonyms
    (res,) = describe(b, [(TOPIC, "cfg-raw", None)], version=0)
    assert res["error_code"] == 0 and res["name"] == "cfg-raw" and res["type"] == TOPIC
    assert res["configs"]["retention.ms"]["value"] == "5000"
    assert res["configs"]["retention.ms"]["is_default"] is False
    assert res["configs"]["cleanup.policy"]["is_default"] is True

    # v2 with synonyms: the override, then the broker layers (server.properties beats the default)
    (res,) = describe(b, [(TOPIC, "cfg-raw", ["retention.ms", "segment.bytes"])], include_synonyms=True)
    assert set(res["configs"]) == {"retention.ms", "segment.bytes"}
    r = res["configs"]["retention.ms"]
    assert r["source"] == SRC_TOPIC and r["synonyms"][0] == ("retention.ms", "5000", SRC_TOPIC)
    s = res["configs"]["segment.bytes"]
    assert s["value"] == "2097152" and s["source"] == SRC_STATIC
    assert s["synonyms"] == [
        ("log.segment.bytes", "2097152", SRC_STATIC),
        ("log.segment.bytes", "1073741824", SRC_DEFAULT),
    ]
    (res,) = describe(b, [(TOPIC, "cfg-raw", ["segment.bytes"])], version=1, include_synonyms=False)
    assert res["configs"]["segment.bytes"]["synonyms"] == []

    # this broker: every broker config with its source; passwords are sensitive
    (res,) = describe(b, [(BROKER, "1", None)])
    assert res["error_code"] == 0
    c = res["configs"]
    assert c["log.segment.bytes"]["value"] == "2097152" and c["log.segment.bytes"]["source"] == SRC_STATIC
    assert c["log.segment.bytes"]["read_only"] is False
    assert c["num.partitions"]["source"] == SRC_DEFAULT and c["num.partitions"]["read_only"] is True
    assert c["broker.id"]["value"] == "1" and c["broker.id"]["source"] == SRC_STATIC
    assert c["ssl.keystore.password"]["sensitive"] and c["ssl.keystore.password"]["value"] is None
    # the cluster default: nothing set dynamically yet
    (res,) = describe(b, [(BROKER, "", None)])
    assert res["error_code"] == 0 and res["configs"] == {}

    results = describe(
        b,
        [
            (TOPIC, "no-such-topic", None),
            (TOPIC, "bad/name", None),
            (BROKER, "2", None),
            (BROKER, "one", None),
            (8, "1", None),
            (1, "x", None),
        ],
    )
    codes = [r["error_code"] for r in results]
    assert codes == [UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC, INVALID_REQUEST, INVALID_REQUEST,
                     INVALID_REQUEST, INVALID_REQUEST], results
    assert "expected 1 or empty string, but received 2" in results[2]["error_message"]
    assert "Broker id must be an integer" in results[3]["error_message"]
    assert results[4]["error_message"] == "Unsupported resource type: BROKER_LOGGER"
    assert [r["name"] for r in results] == ["no-such-topic", "bad/name", "2", "one", "1", "x"]
    assert all(r["configs"] == {} for r in results)


# ---------------------------------------------------------------------------------------------
# AlterConfigs


def test_alter_replaces_overrides_writes_zookeeper_and_notifies(broker, zk):
    topic = "cfg-altered"
    create_topic(broker, topic, config={"retention.ms": "3600000", "segment.ms": "600000"})
    before = set(notifications(zk, broker))

    admin_alter_topic(broker, topic, {"retention.ms": "1000"})

    cfg = admin_describe_topic(broker, topic)
    assert cfg["retention.ms"].value == "1000"
    assert source(cfg["retention.ms"]) == SRC_TOPIC
    # AlterConfigs is not incremental: segment.ms is back to the broker default
    assert cfg["segment.ms"].value == "604800000"
    assert source(cfg["segment.ms"]) == SRC_DEFAULT

    data, _ = zk_json(zk, f"{broker.chroot}/config/topics/{topic}")
    assert data == {"version": 1, "config": {"retention.ms": "1000"}}
    new = {k: v for k, v in notifications(zk, broker).items() if k not in before}
    assert list(new.values()) == [{"version": 2, "entity_path": f"topics/{topic}"}], new
    (name,) = new
    assert name.startswith("config_change_") and len(name) == len("config_change_") + 10
    stat = zk.exists(f"{broker.chroot}/config/changes/{name}")
    assert stat.ephemeralOwner == 0, "notifications are persistent"

    wait_for(lambda: f"applied config change topics/{topic}: retention.ms=1000" in broker.log_text(),
             scaled(10), "the broker's listener to apply the change")

    # validate_only checks and writes nothing
    admin_alter_topic(broker, topic, {"retention.ms": "2000"}, validate_only=True)
    data, _ = zk_json(zk, f"{broker.chroot}/config/topics/{topic}")
    assert data["config"] == {"retention.ms": "1000"}


def test_alter_rejects_unusable_configs(broker, zk):
    import pytest
    from confluent_kafka import KafkaError, KafkaException

    topic = "cfg-rejects"
    create_topic(broker, topic)

    with pytest.raises(KafkaException) as e:
        admin_alter_topic(broker, topic, {"retention.mss": "1000"})
    err = e.value.args[0]
    assert err.code() == KafkaError.INVALID_CONFIG, err
    assert "retention.mss" in err.str(), err

    # Kafka (ZkAdminManager) turns a ConfigException into InvalidRequestException
    with pytest.raises(KafkaException) as e:
        admin_alter_topic(broker, topic, {"retention.ms": "soon"})
    err = e.value.args[0]
    assert err.code() == KafkaError.INVALID_REQUEST, err
    assert "retention.ms" in err.str() and "soon" in err.str(), err

    data, _ = zk_json(zk, f"{broker.chroot}/config/topics/{topic}")
    assert data["config"] == {}, "nothing was written"

    out = alter(
        broker,
        [
            (TOPIC, topic, {"retention.ms": None}),
            (TOPIC, "no-such-topic", {"retention.ms": "1"}),
            (BROKER, "1", {"num.partitions": "3"}),
            (BROKER, "2", {"log.retention.ms": "1"}),
            (BROKER, "", {"log.segment.bytes": "5"}),
            (8, "1", {"a": "b"}),
        ],
    )
    assert [o["error_code"] for o in out] == [INVALID_REQUEST, UNKNOWN_TOPIC_OR_PARTITION,
                                             INVALID_REQUEST, INVALID_REQUEST, INVALID_REQUEST,
                                             INVALID_REQUEST], out
    assert out[0]["error_message"] == "Null value not supported for : retention.ms"
    assert out[1]["error_message"] == "The topic 'no-such-topic' does not exist."
    assert "Cannot update these configs dynamically: Set(num.partitions)" in out[2]["error_message"]
    assert "log.segment.bytes" in out[4]["error_message"]
    assert zk.exists(f"{broker.chroot}/config/brokers/1") is None
    assert zk.exists(f"{broker.chroot}/config/brokers/<default>") is None


# ---------------------------------------------------------------------------------------------
# The listener: changes applied live


def test_lower_retention_applies_live_without_restart(broker_factory):
    b = broker_factory(overrides={"log.retention.check.interval.ms": "300"})
    topic = "cfg-live"
    seg = {"segment.bytes": "100"}  # every ~170-byte batch gets a segment of its own
    create_topic(b, topic, config=seg)
    n = produce_one_batch_each(b, topic, 8)
    assert watermarks(b, topic) == (0, n)
    time.sleep(scaled(1))  # a few retention passes with the 7-day default
    assert watermarks(b, topic)[0] == 0

    admin_alter_topic(b, topic, {**seg, "retention.ms": "1"})
    wait_for(lambda: watermarks(b, topic)[0] > 0, scaled(15), "the log start offset to advance")
    low, high = watermarks(b, topic)
    assert high == n and low == n - 1, (low, high)  # only the active segment is kept
    assert f"applied config change topics/{topic}: segment.bytes=100, retention.ms=1" in b.log_text()
    assert b.running


def test_cluster_default_broker_config_applies_live(broker_factory, zk):
    b = broker_factory(overrides={"log.retention.check.interval.ms": "300"})
    topic = "cfg-live-default"
    create_topic(b, topic, config={"segment.bytes": "100"})
    n = produce_one_batch_each(b, topic, 6)

    (res,) = alter(b, [(BROKER, "", {"log.retention.ms": "1"})])
    assert res["error_code"] == 0, res
    data, _ = zk_json(zk, f"{b.chroot}/config/brokers/<default>")
    assert data == {"version": 1, "config": {"log.retention.ms": "1"}}
    assert {"version": 2, "entity_path": "brokers/<default>"} in notifications(zk, b).values()

    wait_for(lambda: watermarks(b, topic)[0] == n - 1, scaled(15), "retention from the new default")
    (res,) = describe(b, [(TOPIC, topic, ["retention.ms"])])
    r = res["configs"]["retention.ms"]
    assert r["value"] == "1" and r["source"] == SRC_DYN_DEFAULT, r
    assert r["synonyms"][0] == ("log.retention.ms", "1", SRC_DYN_DEFAULT)
    (res,) = describe(b, [(BROKER, "", None)])
    assert res["configs"]["log.retention.ms"]["value"] == "1"
    assert res["configs"]["log.retention.ms"]["source"] == SRC_DYN_DEFAULT
    assert "applied config change brokers/<default>: log.retention.ms=1" in b.log_text()

    # per-broker beats the cluster default
    (res,) = alter(b, [(BROKER, "1", {"log.retention.ms": "86400000"})])
    assert res["error_code"] == 0, res

    def per_broker_applied():
        (d,) = describe(b, [(TOPIC, topic, ["retention.ms"])])
        return d["configs"]["retention.ms"]["value"] == "86400000" and d["configs"]["retention.ms"]

    r = wait_for(per_broker_applied, scaled(10), "the per-broker config")
    assert r["source"] == SRC_DYN_BROKER


def test_notifications_from_other_tools_and_after_restart(broker, zk):
    topic = "cfg-external"
    create_topic(broker, topic)
    # what `kafka-configs --zookeeper` of an old Kafka writes: the entity, then a v1 notification
    zk.set(f"{broker.chroot}/config/topics/{topic}",
           json.dumps({"version": 1, "config": {"retention.ms": "777"}}).encode())
    zk.create(f"{broker.chroot}/config/changes/config_change_",
              json.dumps({"version": 1, "entity_type": "topics", "entity_name": topic}).encode(),
              sequence=True)
    line = f"applied config change topics/{topic}: retention.ms=777"
    wait_for(lambda: line in broker.log_text(), scaled(10), "the v1 notification to be applied")
    # a notification that cannot be parsed is skipped, later ones still apply
    zk.create(f"{broker.chroot}/config/changes/config_change_", b"not json", sequence=True)
    zk.create(f"{broker.chroot}/config/changes/config_change_",
              json.dumps({"version": 2, "entity_path": f"topics/{topic}"}).encode(), sequence=True)
    wait_for(lambda: broker.log_text().count(line) >= 2, scaled(10), "the next notification")

    # a restarted broker processes every notification still there
    count = broker.log_text().count(line)
    broker.restart()
    wait_for(lambda: broker.log_text().count(line) >= count + 2, scaled(15),
             "notifications re-processed after the restart")
    (res,) = describe(broker, [(TOPIC, topic, ["retention.ms"])])
    assert res["configs"]["retention.ms"]["value"] == "777"
