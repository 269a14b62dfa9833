"""Round trips with the two Python clients: kafka-python 2.0.2 (its own protocol code, version
probe, Fetch v4 / ListOffsets v1) and confluent-kafka 1.7.0 (librdkafka 2.0.2)."""

import time

import pytest

from helpers import create_topic, rdkafka_conf, scaled

N = 500


def payloads(prefix):
    return [
        (f"{prefix}-key-{i % 17}".encode(), f"{prefix}-value-{i:04d}-".encode() + bytes([i % 256]) * (i % 64))
        for i in range(N)
    ]


# ---------------------------------------------------------------------------------------------
# kafka-python


def test_kafka_python_roundtrip(broker):
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    topic = "kp-roundtrip"
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)], timeout_ms=10000)
    finally:
        admin.close()

    records = payloads("kp")
    producer = KafkaProducer(
        bootstrap_servers=broker.bootstrap,
        acks=1,
        retries=5,
        max_block_ms=int(scaled(20000)),
        request_timeout_ms=15000,
    )
    try:
        futures = [
            producer.send(topic, key=k, value=v, partition=0, headers=[("i", str(i).encode()), ("h2", b"\x00\xff")])
            for i, (k, v) in enumerate(records)
        ]
        producer.flush(timeout=scaled(30))
        metas = [f.get(timeout=scaled(30)) for f in futures]
    finally:
        producer.close(timeout=10)
    assert [m.offset for m in metas] == list(range(N))
    assert all(m.partition == 0 for m in metas)

    # Explicit assignment + seek to beginning, no consumer group.
    tp = TopicPartition(topic, 0)
    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(scaled(5000)),
        request_timeout_ms=30000,
    )
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got = []
        deadline = time.monotonic() + scaled(30)
        while len(got) < N and time.monotonic() < deadline:
            for msgs in consumer.poll(timeout_ms=1000).values():
                got.extend(msgs)
        assert consumer.end_offsets([tp])[tp] == N
    finally:
        consumer.close()

    assert len(got) == N, f"consumed {len(got)} of {N}"
    for i, (m, (k, v)) in enumerate(zip(got, records)):
        assert (m.offset, m.key, m.value) == (i, k, v), f"record {i}"
        assert list(m.headers) == [("i", str(i).encode()), ("h2", b"\x00\xff")], f"record {i} headers"


# ---------------------------------------------------------------------------------------------
# confluent-kafka


def _confluent_roundtrip(broker, topic, listener, partitions, client_cert=False):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

    records = payloads("ck")
    reports = []

    def on_delivery(err, msg):
        reports.append((err, msg.partition() if msg else None, msg.offset() if msg else None, msg.value()))

    producer = Producer(
        rdkafka_conf(broker, listener, client_cert=client_cert, extra={"acks": "all", "linger.ms": 5})
    )
    for i, (k, v) in enumerate(records):
        producer.produce(topic, key=k, value=v, partition=i % partitions, headers=[("i", str(i).encode())],
                         on_delivery=on_delivery)
        producer.poll(0)
    left = producer.flush(scaled(30))
    assert left == 0, f"{left} records not delivered"
    errors = [r for r in reports if r[0] is not None]
    assert not errors, f"delivery errors: {errors[:5]}"
    assert len(reports) == N

    for p in range(partitions):
        offs = sorted(r[2] for r in reports if r[1] == p)
        assert offs == list(range(len(offs))), f"partition {p}: offsets {offs[:10]}..."

    # confluent-kafka requires group.id, but nothing here uses the group: explicit assignment
    # with explicit offsets, no commits.
    consumer = Consumer(
        rdkafka_conf(
            broker,
            listener,
            client_cert=client_cert,
            extra={
                "group.id": f"unused-{topic}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": False,
            },
        )
    )
    got = []
    errs = []
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        deadline = time.monotonic() + scaled(30)
        while len(got) < N and time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is None:
                continue
            if m.error():
                # Group-coordinator errors are not fatal to an assigned consumer; keep going.
                if m.error().code() != KafkaError._PARTITION_EOF:
                    errs.append(m.error())
                continue
            got.append(m)
        for p in range(partitions):
            lo, hi = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=scaled(10))
            assert lo == 0 and hi == sum(1 for r in reports if r[1] == p), (p, lo, hi)
    finally:
        consumer.close()

    assert len(got) == N, f"consumed {len(got)} of {N}; client errors: {errs[:5]}"
    expected = {(i % partitions, v): (k, i) for i, (k, v) in enumerate(records)}
    last_seq = {}
    for m in got:
        k, i = expected[(m.partition(), m.value())]
        assert m.key() == k
        assert m.headers() == [("i", str(i).encode())]
        assert last_seq.get(m.partition(), -1) < i, "out of order within a partition"
        last_seq[m.partition()] = i


def test_confluent_roundtrip(broker):
    topic = "ck-roundtrip"
    create_topic(broker, topic, partitions=3)
    _confluent_roundtrip(broker, topic, "PLAINTEXT", 3)


def test_confluent_auto_created_topic(broker):
    """Producing to a topic that does not exist creates it (auto.create.topics.enable=true,
    num.partitions=1)."""
    _confluent_roundtrip(broker, "ck-auto-created", "PLAINTEXT", 1)


@pytest.mark.parametrize("listener", ["SSL"])
def test_confluent_roundtrip_ssl(broker, listener):
    topic = "ck-roundtrip-ssl"
    create_topic(broker, topic, partitions=2)
    _confluent_roundtrip(broker, topic, listener, 2)
