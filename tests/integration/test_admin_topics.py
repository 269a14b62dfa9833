"""CreateTopics (19), CreatePartitions (37) and AlterConfigs (33) edge cases on a real broker,
with hand-made requests (layouts from Kafka's *Request.json / *Response.json) where a client
would not send them: CreatePartitions right after CreateTopics answered (before the metadata
cache knows the topic).
"""

import struct

import kafka_wire as kw
from helpers import create_topic, scaled, wait_topic

API_CREATE_TOPICS, API_CREATE_PARTITIONS = 19, 37
UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS = 3, 37


def create_topics_v1(corr, topic, partitions, rf, timeout_ms, validate_only=False):
    body = struct.pack(">i", 1) + kw.string(topic) + struct.pack(">ih", partitions, rf)
    body += struct.pack(">ii", 0, 0)  # assignments, configs
    body += struct.pack(">i?", timeout_ms, validate_only)
    return kw.request(API_CREATE_TOPICS, 1, corr, body)


def parse_topic_results(payload, throttle):
    """CreateTopics v1 / CreatePartitions v0 responses: {name: (error_code, error_message)}."""
    r = kw.Reader(payload)
    r.i32()  # correlation id
    if throttle:
        r.i32()  # throttle_time_ms
    out = {}
    for _ in range(r.i32()):
        name = r.string()
        out[name] = (r.i16(), r.string())
    assert r.remaining() == 0
    return out


def parse_create_topics_v1(payload):
    return parse_topic_results(payload, throttle=False)


def create_partitions_v0(corr, topic, count, timeout_ms, validate_only=False):
    body = struct.pack(">i", 1) + kw.string(topic) + struct.pack(">ii", count, -1)
    body += struct.pack(">i?", timeout_ms, validate_only)
    return kw.request(API_CREATE_PARTITIONS, 0, corr, body)


def parse_create_partitions_v0(payload):
    return parse_topic_results(payload, throttle=True)


def test_create_partitions_right_after_create_topics(broker):
    """CreateTopics with timeout 0 answers once the znodes are written; a CreatePartitions sent
    at once finds the topic in ZooKeeper (librdkafka's admin test 0081 does this)."""
    topic = "cp-fresh"
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        res = parse_create_topics_v1(c.roundtrip(create_topics_v1(1, topic, 1, 1, 0)))
        assert res == {topic: (0, None)}
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(2, topic, 3, int(scaled(15000)))))
        assert res == {topic: (0, None)}, res
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(3, topic, 3, 1000)))
        assert res == {topic: (INVALID_PARTITIONS, "Topic already has 3 partitions.")}
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(4, topic, 2, 1000)))
        assert res == {
            topic: (INVALID_PARTITIONS, "Topic currently has 3 partitions, which is higher than the requested 2.")
        }
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(5, topic, 5, 1000, validate_only=True)))
        assert res == {topic: (0, None)}
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(6, "cp-missing", 2, 1000)))
        assert res == {"cp-missing": (UNKNOWN_TOPIC_OR_PARTITION, "The topic 'cp-missing' does not exist.")}
    wait_topic(broker, topic, 3)


def test_absurd_partition_counts_are_refused_without_allocating(broker):
    """Counts whose assignment could not be written are INVALID_PARTITIONS at once (checked in
    64 bits), and the broker keeps serving."""
    topic = "cp-absurd"
    create_topic(broker, topic)
    big = 2**31 - 1
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(10)) as c:
        res = parse_create_topics_v1(c.roundtrip(create_topics_v1(1, "ct-absurd", big, 1, 5000)))
        assert res["ct-absurd"][0] == INVALID_PARTITIONS, res
        res = parse_create_topics_v1(c.roundtrip(create_topics_v1(2, "ct-absurd", big, 1, 5000, True)))
        assert res["ct-absurd"][0] == INVALID_PARTITIONS, res
        for count in (big, 200000):
            res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(3, topic, count, 5000)))
            assert res[topic][0] == INVALID_PARTITIONS, res
            assert "jute.maxbuffer" in res[topic][1]
        res = parse_create_partitions_v0(c.roundtrip(create_partitions_v0(4, topic, 4, int(scaled(15000)))))
        assert res == {topic: (0, None)}
    wait_topic(broker, topic, 4)
    assert broker.running


def test_alter_configs_on_a_249_character_topic(broker, zk):
    """The longest legal name keeps all its 249 characters in /config/topics/<t>; a longer one is
    not a topic (UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers a name its metadata cache lacks)."""
    from test_configs import TOPIC, admin_alter_topic, admin_describe_topic, alter, zk_json

    topic = "x" * 248 + "y"
    create_topic(broker, topic)
    admin_alter_topic(broker, topic, {"retention.ms": "1000"})
    data, _ = zk_json(zk, f"{broker.chroot}/config/topics/{topic}")
    assert data == {"version": 1, "config": {"retention.ms": "1000"}}
    assert zk.exists(f"{broker.chroot}/config/topics/{topic[:248]}") is None
    assert admin_describe_topic(broker, topic)["retention.ms"].value == "1000"

    too_long = "x" * 250
    (res,) = alter(broker, [(TOPIC, too_long, {"retention.ms": "1000"})])
    assert res["error_code"] == UNKNOWN_TOPIC_OR_PARTITION, res
    assert zk.exists(f"{broker.chroot}/config/topics/{too_long[:249]}") is None
