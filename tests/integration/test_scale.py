"""Scale (issue 12) on one broker: a topic of 10,000 partitions is created, produced to and
consumed from on every partition with librdkafka, holds one descriptor per partition (indexes
are mapped and closed), and comes back after a restart; a broker whose partitions cannot fit its
open-file limit refuses to start and says why; when accept runs out of descriptors the broker
backs off, logs once per interval and keeps serving the connections it has. Three brokers hold
3,000 partitions each at replication factor 3: created, every partition produced to with acks=all
and consumed, one descriptor per replica, and a broker restarted catches up and rejoins every
ISR.

The 10,000-partition test runs in the dev build; under ASan (CAFKA_TEST_TIMEOUT_SCALE > 1) it
uses 2,000 partitions, and the three-broker one 300, so that the CI run stays within its budget:
the mechanisms are the same."""

import os
import re
import resource
import socket
import time

import kafka_wire as kw
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic
from helpers import SCALE, admin_client, rdkafka_conf, scaled, wait_for, wait_topic

PARTITIONS = 10000 if SCALE <= 1 else 2000
PARTITIONS_RF3 = 3000 if SCALE <= 1 else 300


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def produce_one_per_partition(broker, topic, n):
    errors, acked = [], set()

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.add(msg.partition())

    p = Producer(rdkafka_conf(broker, extra={"linger.ms": 50, "queue.buffering.max.messages": 100000}))
    for i in range(n):
        p.produce(topic, value=f"v{i}".encode(), partition=i, on_delivery=on_delivery)
        p.poll(0)
    left = p.flush(scaled(120))
    assert left == 0 and not errors, f"{left} undelivered, errors {errors[:5]}"
    assert acked == set(range(n)), f"{n - len(acked)} partitions not acknowledged"


def consume_every_partition(broker, topic, n):
    c = Consumer(
        rdkafka_conf(
            broker,
            extra={"group.id": f"scale-{time.monotonic_ns()}", "enable.auto.commit": False},
        )
    )
    try:
        c.assign([TopicPartition(topic, i, OFFSET_BEGINNING) for i in range(n)])
        seen = {}
        deadline = time.monotonic() + scaled(180)
        while len(seen) < n and time.monotonic() < deadline:
            for m in c.consume(num_messages=1000, timeout=1):
                if m.error() is None:
                    seen[m.partition()] = m.value()
        missing = [i for i in range(n) if i not in seen]
        assert not missing, f"{len(missing)} partitions never delivered a record, e.g. {missing[:5]}"
        wrong = [i for i in range(n) if seen[i] != f"v{i}".encode()]
        assert not wrong, f"partitions with another record: {wrong[:5]}"
    finally:
        c.close()


def test_many_partitions_one_descriptor_each_and_restart(broker_factory):
    b = broker_factory(1)
    before = fd_count(b.proc.pid)
    # one ZooKeeper write per new partition: the dev build needs more than create_topic's 10 s
    admin = admin_client(b)  # kept: the futures fail when their client is collected
    futures = admin.create_topics(
        [NewTopic("scale", num_partitions=PARTITIONS, replication_factor=1)],
        operation_timeout=scaled(120),
        request_timeout=scaled(130),
    )
    futures["scale"].result(timeout=scaled(140))
    wait_topic(b, "scale", PARTITIONS, timeout=scaled(60))
    fds = fd_count(b.proc.pid)
    # one segment each, and a segment is one descriptor: three (log + two indexes) before
    assert fds - before <= PARTITIONS + 100, f"{fds - before} descriptors for {PARTITIONS} partitions"
    produce_one_per_partition(b, "scale", PARTITIONS)
    consume_every_partition(b, "scale", PARTITIONS)

    # a clean shutdown fsyncs every log with unflushed records (Kafka does too): 10,000 of them
    b.stop(timeout=scaled(120))
    b.start()
    log = b.log_text()
    m = re.findall(r"descriptor budget: open-file limit (\d+), (\d+) segments in (\d+) partitions", log)
    assert m, "the start-up budget is logged"
    assert int(m[-1][1]) >= PARTITIONS and int(m[-1][2]) >= PARTITIONS, m[-1]
    assert int(m[-1][0]) == resource.getrlimit(resource.RLIMIT_NOFILE)[1], "soft limit raised to hard"
    wait_for(
        lambda: sum(1 for p in kw.metadata(b.plaintext_port, topics=["scale"])["topics"]["scale"][1].values() if p[1] == 1)
        == PARTITIONS,
        scaled(60),
        "every partition led again after the restart",
    )
    assert fd_count(b.proc.pid) - before <= PARTITIONS + 100
    consume_every_partition(b, "scale", PARTITIONS)

    # the same data under a hard limit it cannot fit: refused at start-up, naming the numbers
    b.stop()
    limit = PARTITIONS // 2
    b.preexec_fn = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    rc = b.start_expecting_exit(timeout=scaled(30))
    assert rc != 0
    assert re.search(rf"open-file limit \(RLIMIT_NOFILE {limit}\) cannot hold the \d+ segments", b.log_text())
    b.preexec_fn = None


def isr_complete(broker, topic, n, rf):
    """Whether @broker's metadata shows n partitions of topic, each led, with a full ISR."""
    md = kw.metadata(broker.plaintext_port, topics=[topic])["topics"].get(topic)
    if not md or len(md[1]) != n:
        return False
    return all(p[0] == 0 and p[1] >= 0 and len(p[3]) == rf for p in md[1].values())


def test_three_brokers_thousands_of_partitions_at_rf3(broker_factory):
    n = PARTITIONS_RF3
    over = {"replica.lag.time.max.ms": 10000, "zookeeper.session.timeout.ms": 10000}
    brokers = {i: broker_factory(i, overrides=over) for i in (1, 2, 3)}
    base = {i: fd_count(b.proc.pid) for i, b in brokers.items()}
    admin = admin_client(brokers[1])
    futures = admin.create_topics([NewTopic("scale3", num_partitions=n, replication_factor=3)],
                                  operation_timeout=scaled(120), request_timeout=scaled(130))
    futures["scale3"].result(timeout=scaled(140))
    for b in brokers.values():  # every broker's metadata: led, and all three replicas in sync
        wait_for(lambda: isr_complete(b, "scale3", n, 3), scaled(120), f"broker {b.id} to see every ISR full")
    for i, b in brokers.items():
        fds = fd_count(b.proc.pid) - base[i]
        assert fds <= n + 150, f"broker {i}: {fds} descriptors for {n} replicas"
    # acks=all: acknowledged once every ISR member has the record
    produce_one_per_partition(brokers[1], "scale3", n)
    consume_every_partition(brokers[2], "scale3", n)

    # broker 3 restarts: it catches up through its fetchers and rejoins every ISR
    brokers[3].stop(timeout=scaled(120))
    wait_for(lambda: all(p[1] in (1, 2) for p in
                         kw.metadata(brokers[1].plaintext_port, topics=["scale3"])["topics"]["scale3"][1].values()),
             scaled(60), "leaderships moved off broker 3")
    brokers[3].start()
    for b in brokers.values():
        wait_for(lambda: isr_complete(b, "scale3", n, 3), scaled(120), f"broker {b.id} to see broker 3 back in every ISR")
    assert fd_count(brokers[3].proc.pid) - base[3] <= n + 150
    consume_every_partition(brokers[3], "scale3", n)


def test_accept_backs_off_when_out_of_descriptors(broker_factory):
    limit = 600
    b = broker_factory(1, start=False)
    b.preexec_fn = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    b.start()
    keeper = kw.Conn("127.0.0.1", b.plaintext_port)
    socks = []
    try:
        # more connections than descriptors: the kernel completes them (backlog); the broker
        # cannot accept them all
        for _ in range(limit + 100):
            try:
                socks.append(socket.create_connection(("127.0.0.1", b.plaintext_port), timeout=2))
            except OSError:
                break
        wait_for(lambda: "not accepting connections for" in b.log_text(), scaled(20), "EMFILE back-off logged")
        # the connection it already had is still served
        assert 1 in kw.parse_metadata_v1_response(keeper.roundtrip(kw.metadata_v1(7, [])))["brokers"]
        # back-offs write a line per interval, not a loop of them (libevent's default)
        lines = b.log_text().count("accept failed")
        assert lines <= 20, f"{lines} accept failure lines"
    finally:
        for s in socks:
            s.close()
    # the descriptors are back: new connections are accepted again
    wait_for(lambda: _metadata_ok(b.plaintext_port), scaled(20), "a new connection served after the back-off")
    keeper.close()
    assert b.running


def _metadata_ok(port):
    try:
        return 1 in kw.metadata(port, topics=[])["brokers"]
    except OSError:
        return False


def test_logs_that_cannot_open_for_lack_of_descriptors_are_logged_once_per_request(broker_factory):
    """Out of descriptors, the logs of one LeaderAndIsr fail to open alike: the broker answers
    KAFKA_STORAGE_ERROR for those partitions and says so in one line per request, not one per
    partition (every log line an outside event can trigger is limited), and keeps serving."""
    limit = 300
    b = broker_factory(1, start=False)
    b.preexec_fn = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    b.start()
    admin = admin_client(b)
    admin.create_topics([NewTopic("nofds", num_partitions=600, replication_factor=1)],
                        operation_timeout=10)["nofds"].result(timeout=scaled(60))
    pattern = r"cannot open (\d+) partition log\(s\) of a LeaderAndIsr of (\d+) partitions"
    wait_for(lambda: re.search(pattern, b.log_text()), scaled(60), "the failed opens logged")
    failed = re.findall(pattern, b.log_text())
    # 600 partitions, one descriptor each, against an open-file limit of 300
    assert sum(int(n) for n, _ in failed) >= 300, failed
    assert len(failed) <= 5, f"{len(failed)} lines for {len(failed)} requests at most"
    assert b.log_text().count("cannot open") == len(failed), "no line per partition"
    assert b.running and _metadata_ok(b.plaintext_port)
