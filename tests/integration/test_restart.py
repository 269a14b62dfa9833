"""Durability across a clean restart: what was acknowledged is read back after SIGTERM and a
new start on the same log.dirs, and the log continues at the old end offset."""

import time

from helpers import create_topic, rdkafka_conf, scaled

N = 2000
TOPIC = "restart-topic"


def produce(broker, records, partition=0):
    from confluent_kafka import Producer

    reports = []
    p = Producer(rdkafka_conf(broker, extra={"acks": "all"}))
    for k, v in records:
        p.produce(TOPIC, key=k, value=v, partition=partition,
                  on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        p.poll(0)
    assert p.flush(scaled(30)) == 0, "records not delivered"
    errs = [r for r in reports if r[0] is not None]
    assert not errs, f"delivery errors: {errs[:5]}"
    return [o for _, o in reports]


def consume_all(broker, expected_count, partition=0):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-restart", "enable.auto.commit": False,
                                             "enable.auto.offset.store": False}))
    got = []
    try:
        c.assign([TopicPartition(TOPIC, partition, OFFSET_BEGINNING)])
        deadline = time.monotonic() + scaled(30)
        while len(got) < expected_count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append((m.offset(), m.key(), m.value()))
        # Nothing beyond what is expected.
        end = time.monotonic() + 1
        while time.monotonic() < end:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append((m.offset(), m.key(), m.value()))
        lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, partition), timeout=scaled(10))
    finally:
        c.close()
    return got, (lo, hi)


def test_restart_keeps_log(broker):
    create_topic(broker, TOPIC, partitions=1)
    records = [(f"k{i % 13}".encode(), f"value-{i:05d}".encode() * (1 + i % 5)) for i in range(N)]
    offsets = produce(broker, records)
    assert offsets == list(range(N))

    rc = broker.stop()
    assert rc == 0, f"exit code {rc} after SIGTERM (expected a clean 0)\n{broker.log_tail(40)}"

    broker.start()
    got, (lo, hi) = consume_all(broker, N)
    assert (lo, hi) == (0, N)
    assert len(got) == N, f"read {len(got)} of {N} after restart"
    assert got == [(i, k, v) for i, (k, v) in enumerate(records)]

    more = [(b"after", f"after-restart-{i}".encode()) for i in range(10)]
    assert produce(broker, more) == list(range(N, N + 10))
    got, (lo, hi) = consume_all(broker, N + 10)
    assert (lo, hi) == (0, N + 10)
    assert [g[2] for g in got[N:]] == [v for _, v in more]


def test_restart_twice_and_auto_created_topic_survives(broker):
    """A topic created by auto-creation keeps its ZooKeeper state and data across two restarts."""
    offsets = produce(broker, [(None, b"one")])
    assert offsets == [0]
    for _ in range(2):
        assert broker.restart() == 0
    assert produce(broker, [(None, b"two")]) == [1]
    got, (lo, hi) = consume_all(broker, 2)
    assert [(o, v) for o, _, v in got] == [(0, b"one"), (1, b"two")]
    assert (lo, hi) == (0, 2)
