"""Consumer groups with the other clients, on 3 ZooKeeper nodes and 3 brokers: kafka-python 2.0.2
(JoinGroup v2, SyncGroup/Heartbeat/LeaveGroup v1, OffsetCommit v2, OffsetFetch v1), kafkajs
2.2.4 (tests/integration/node/consume.js: JoinGroup v5, OffsetCommit v5, OffsetFetch v4) and
kcat 1.7 in -G mode (librdkafka 2.0.2: auto-commit, final commit on close).

Each client, in a group of its own (kafkajs' default RoundRobinAssigner could not share a group
with the others' range/roundrobin anyway: INCONSISTENT_GROUP_PROTOCOL), reads a topic of a known
number of records to its end and commits. The committed offsets are then read back with a raw
OffsetFetch at the coordinator (they must equal the end of every partition), more records are
produced, and a second run of the same client in the same group must read exactly the new
records: it resumed at the commits, not at auto.offset.reset=earliest.

Facts: ../shared/reference/kafka-protocol-and-clients.md §1.
"""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from group_tools import bootstrap, committed_offsets, make_cluster, produce
from helpers import create_topic, kcat, scaled

PARTITIONS = 3
FIRST = 50  # records per partition before the first run
SECOND = 10  # records per partition added before the second run

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture
def cluster(broker_factory):
    return make_cluster(broker_factory)


def setup_topic(cluster, topic):
    create_topic(cluster[1], topic, partitions=PARTITIONS, replication_factor=3)
    produce(cluster, topic, {p: FIRST for p in range(PARTITIONS)}, tag="first")
    return {(p, o, f"first-{p}-{o}") for p in range(PARTITIONS) for o in range(FIRST)}


def add_records(cluster, topic):
    produce(cluster, topic, {p: SECOND for p in range(PARTITIONS)}, tag="second")
    return {(p, FIRST + i, f"second-{p}-{i}") for p in range(PARTITIONS) for i in range(SECOND)}


def assert_read_exactly(got, expected, who):
    """got: list of (partition, offset, value str); each expected record exactly once."""
    assert len(got) == len(set(got)), f"{who}: records delivered twice: {sorted(got)[:10]}"
    missing, extra = expected - set(got), set(got) - expected
    assert not missing and not extra, (
        f"{who}: {len(missing)} missing (e.g. {sorted(missing)[:5]}), {len(extra)} unexpected "
        f"(e.g. {sorted(extra)[:5]})"
    )


def assert_committed(cluster, group, topic, end):
    assert committed_offsets(cluster, group, topic, range(PARTITIONS)) == {p: end for p in range(PARTITIONS)}


# ---------------------------------------------------------------------------------------------
# kafka-python


def kafka_python_run(cluster, topic, group, count):
    """A KafkaConsumer in `group` reads `count` records, commits synchronously (OffsetCommit
    v2) and leaves. Returns the records and the offsets the client reads back (OffsetFetch v1)."""
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap(cluster).split(","),
        group_id=group,
        client_id=f"kp-{group}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
        request_timeout_ms=30000,
    )
    got = []
    try:
        deadline = time.monotonic() + scaled(60)
        while len(got) < count:
            assert time.monotonic() < deadline, f"kafka-python read {len(got)} of {count} records in 60 s"
            for msgs in c.poll(timeout_ms=500).values():
                got.extend((m.partition, m.offset, m.value.decode()) for m in msgs)
        assert len(got) == count, f"kafka-python read {len(got)} records, {count} expected"
        c.commit()
        seen = {p: c.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
    finally:
        c.close(autocommit=False)
    return got, seen


def test_kafka_python_group_consumes_and_commits(cluster):
    topic, group = "gc-kp", "grp-kafka-python"
    first = setup_topic(cluster, topic)

    got, seen = kafka_python_run(cluster, topic, group, len(first))
    assert_read_exactly(got, first, "kafka-python, first run")
    assert seen == {p: FIRST for p in range(PARTITIONS)}, f"kafka-python reads back {seen}"
    assert_committed(cluster, group, topic, FIRST)

    second = add_records(cluster, topic)
    got, seen = kafka_python_run(cluster, topic, group, len(second))
    assert_read_exactly(got, second, "kafka-python, second run")
    assert seen == {p: FIRST + SECOND for p in range(PARTITIONS)}, f"kafka-python reads back {seen}"
    assert_committed(cluster, group, topic, FIRST + SECOND)


# ---------------------------------------------------------------------------------------------
# kafkajs


def kafkajs_run(cluster, topic, group, count, timeout=60):
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "kafkajs").is_dir():
        pytest.fail("node or tests/integration/node/node_modules/kafkajs missing: run scripts/install-deps.sh")
    cmd = [node, str(NODE_DIR / "consume.js"), "--brokers", bootstrap(cluster), "--topic", topic,
           "--group", group, "--count", str(count), "--from-beginning",
           "--timeout-ms", str(int(scaled(timeout) * 1000))]
    try:
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=scaled(timeout) + 30, cwd=NODE_DIR)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"consume.js did not exit: {cmd}\nstderr:\n{(e.stderr or '')[-4000:]}")
    lines = [json.loads(line) for line in cp.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else {}
    assert cp.returncode == 0 and summary.get("done"), (
        f"consume.js failed ({cp.returncode}): {summary}\nstderr:\n{cp.stderr[-4000:]}"
    )
    got = [(r["partition"], int(r["offset"]), r["value"]) for r in lines[:-1]]
    committed = {int(p): int(o) for p, o in summary["committed"].items()}
    return got, committed


def test_kafkajs_group_consumes_and_commits(cluster):
    topic, group = "gc-kjs", "grp-kafkajs"
    first = setup_topic(cluster, topic)

    got, seen = kafkajs_run(cluster, topic, group, len(first))
    assert_read_exactly(got, first, "kafkajs, first run")
    assert seen == {p: FIRST for p in range(PARTITIONS)}, f"kafkajs admin.fetchOffsets: {seen}"
    assert_committed(cluster, group, topic, FIRST)

    second = add_records(cluster, topic)
    got, seen = kafkajs_run(cluster, topic, group, len(second))
    assert_read_exactly(got, second, "kafkajs, second run")
    assert seen == {p: FIRST + SECOND for p in range(PARTITIONS)}, f"kafkajs admin.fetchOffsets: {seen}"
    assert_committed(cluster, group, topic, FIRST + SECOND)


# ---------------------------------------------------------------------------------------------
# kcat -G


def kcat_group_run(cluster, topic, group):
    """kcat -G reads until every assigned partition reached its end (-e) and exits; closing
    the consumer commits the offsets librdkafka stored (enable.auto.commit, the default).
    No -o: in -G mode kcat would force that offset onto every assigned partition and ignore
    the commits; auto.offset.reset=earliest only applies where nothing was committed."""
    cp = kcat(["-b", bootstrap(cluster), "-G", group, "-e", "-q",
               "-X", "auto.offset.reset=earliest",
               "-X", "session.timeout.ms=10000", "-X", "heartbeat.interval.ms=1000",
               "-f", "%p %o %s\\n", topic], timeout=90)
    got = []
    for line in cp.stdout.decode().splitlines():
        p, o, v = line.split(" ", 2)
        got.append((int(p), int(o), v))
    return got


def test_kcat_group_consumes_and_commits(cluster):
    topic, group = "gc-kcat", "grp-kcat"
    first = setup_topic(cluster, topic)

    assert_read_exactly(kcat_group_run(cluster, topic, group), first, "kcat -G, first run")
    assert_committed(cluster, group, topic, FIRST)

    second = add_records(cluster, topic)
    assert_read_exactly(kcat_group_run(cluster, topic, group), second, "kcat -G, second run")
    assert_committed(cluster, group, topic, FIRST + SECOND)
