"""Consumer-group helpers shared by test_groups.py, test_group_clients.py and
test_group_failover.py: a 3-broker cluster with the group settings the tests want, the
coordinator formula (Java String.hashCode), raw FindCoordinator / OffsetFetch / DescribeGroups
requests (independent of every client under test), a producer that returns what it wrote, and a
confluent-kafka group member that records its rebalance callbacks.

Facts: ../shared/reference/kafka-groups-and-producer-state.md (§1 coordinator selection, §3 group
state machine, §3.7 static membership, §3.8 offset expiration) and kafka-protocol-and-clients.md
(§1 what each client sends).
"""

import struct
import time

import kafka_wire
from helpers import rdkafka_conf, scaled, wait_for
from replica_tools import assignment, partition_state

OFFSETS_TOPIC = "__consumer_offsets"

# Error codes (Errors.java) the helpers retry on while a coordinator loads or moves.
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
RETRIABLE_COORDINATOR_ERRORS = (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR)

# Broker settings every group test uses: 3 replicas for __consumer_offsets (helpers.Broker
# defaults to 1 for single-broker tests), no initial rebalance delay, a ZooKeeper session short
# enough that a killed broker is noticed quickly.
GROUP_BROKER_BASE = {
    "offsets.topic.replication.factor": 3,
    "default.replication.factor": 3,
    "group.initial.rebalance.delay.ms": 0,
    "zookeeper.session.timeout.ms": 6000,
    "replica.lag.time.max.ms": 5000,
    "replica.fetch.wait.max.ms": 200,
}

# Consumer settings that keep rebalances quick: heartbeats every 500 ms tell members of a
# rebalance soon; a 10 s session (above group.min.session.timeout.ms = 6000); a 30 s poll
# interval, which librdkafka also sends as the JoinGroup rebalance timeout.
FAST_GROUP_CONSUMER = {
    "session.timeout.ms": 10000,
    "heartbeat.interval.ms": 500,
    "max.poll.interval.ms": 30000,
    "enable.partition.eof": False,
}


def make_cluster(broker_factory, **overrides):
    """Brokers 1, 2, 3 on the test's chroot with GROUP_BROKER_BASE plus `overrides`."""
    over = {**GROUP_BROKER_BASE, **overrides}
    return {i: broker_factory(i, overrides=over) for i in (1, 2, 3)}


def bootstrap(cluster):
    return ",".join(b.bootstrap for b in cluster.values() if b.running)


def any_live(cluster):
    for b in cluster.values():
        if b.running:
            return b
    raise AssertionError("no broker of the cluster is running")


def consumer_conf(cluster, group, **extra):
    """librdkafka consumer configuration on every live broker of the cluster."""
    conf = rdkafka_conf(any_live(cluster), extra={"group.id": group, **FAST_GROUP_CONSUMER})
    conf["bootstrap.servers"] = bootstrap(cluster)
    conf.update(extra)
    return conf


# ---------------------------------------------------------------------------------------------
# The coordinator formula


def java_string_hash(s):
    """Java's String.hashCode: h = 31*h + c over the UTF-16 code units, int32 wrap-around."""
    data = s.encode("utf-16-be")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def kafka_abs(n):
    """org.apache.kafka.common.utils.Utils.abs: 0 for INT32_MIN, else |n|."""
    return 0 if n == -(1 << 31) else abs(n)


def offsets_partition_for(group, num_partitions):
    return kafka_abs(java_string_hash(group)) % num_partitions


def offsets_topic_partitions(zk, chroot):
    """Partition count of __consumer_offsets as the controller created it."""
    return len(assignment(zk, chroot, OFFSETS_TOPIC))


def expected_coordinator(zk, chroot, group):
    """(offsets partition, leader id from its state znode) for the group."""
    p = offsets_partition_for(group, offsets_topic_partitions(zk, chroot))
    st, _ = partition_state(zk, chroot, OFFSETS_TOPIC, p)
    return p, st["leader"]


# ---------------------------------------------------------------------------------------------
# Raw requests (kafka_wire framing): what the broker answers, whatever a client library makes
# of it.

API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_DESCRIBE_GROUPS = 15


class Reader(kafka_wire.Reader):
    def bytes_(self):
        n = self.i32()
        if n < 0:
            return None
        b = self.data[self.pos : self.pos + n]
        self.pos += n
        return b


def _array(items, enc):
    return struct.pack(">i", len(items)) + b"".join(enc(x) for x in items)


def find_coordinator(port, group, correlation_id=1):
    """FindCoordinator v0 -> (error_code, node_id, host, port)."""
    body = kafka_wire.string(group)
    with kafka_wire.Conn("127.0.0.1", port) as c:
        r = Reader(c.roundtrip(kafka_wire.request(API_FIND_COORDINATOR, 0, correlation_id, body)))
    assert r.i32() == correlation_id
    out = (r.i16(), r.i32(), r.string(), r.i32())
    assert r.remaining() == 0, "trailing bytes in FindCoordinator v0 response"
    return out


def offset_fetch(port, group, topics, correlation_id=2):
    """OffsetFetch v3. topics: {topic: [partitions]}. Returns (top-level error,
    {(topic, partition): (committed offset, metadata, error)})."""
    body = kafka_wire.string(group)
    body += _array(
        sorted(topics.items()),
        lambda tp: kafka_wire.string(tp[0]) + _array(list(tp[1]), lambda p: struct.pack(">i", p)),
    )
    with kafka_wire.Conn("127.0.0.1", port) as c:
        r = Reader(c.roundtrip(kafka_wire.request(API_OFFSET_FETCH, 3, correlation_id, body)))
    assert r.i32() == correlation_id
    r.i32()  # throttle_time_ms
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            off = r.i64()
            meta = r.string()
            err = r.i16()
            out[(topic, p)] = (off, meta, err)
    top = r.i16()
    assert r.remaining() == 0, "trailing bytes in OffsetFetch v3 response"
    return top, out


def describe_groups(port, groups, correlation_id=3):
    """DescribeGroups v4 -> {group: {"error", "state", "protocol_type", "protocol",
    "members": [{"member_id", "instance_id", "client_id", "client_host", "metadata",
    "assignment"}]}}."""
    body = _array(list(groups), kafka_wire.string) + b"\x00"  # include_authorized_operations
    with kafka_wire.Conn("127.0.0.1", port) as c:
        r = Reader(c.roundtrip(kafka_wire.request(API_DESCRIBE_GROUPS, 4, correlation_id, body)))
    assert r.i32() == correlation_id
    r.i32()  # throttle_time_ms
    out = {}
    for _ in range(r.i32()):
        g = {"error": r.i16()}
        gid = r.string()
        g["state"], g["protocol_type"], g["protocol"] = r.string(), r.string(), r.string()
        members = []
        for _ in range(r.i32()):
            members.append({
                "member_id": r.string(),
                "instance_id": r.string(),
                "client_id": r.string(),
                "client_host": r.string(),
                "metadata": r.bytes_(),
                "assignment": r.bytes_(),
            })
        g["members"] = members
        r.i32()  # authorized_operations
        out[gid] = g
    assert r.remaining() == 0, "trailing bytes in DescribeGroups v4 response"
    return out


def decode_consumer_assignment(raw):
    """ConsumerProtocolAssignment (version, [topic, [partition]], user data) ->
    {topic: sorted partitions}."""
    if not raw:
        return {}
    r = Reader(raw)
    r.i16()  # version
    out = {}
    for _ in range(r.i32()):
        t = r.string()
        out[t] = sorted(r.i32() for _ in range(r.i32()))
    return out


def coordinator_id(cluster, group, timeout=scaled(30)):
    """Polls FindCoordinator on the live brokers until one answers without error; returns
    (node_id, port). The first FindCoordinator creates __consumer_offsets, which answers
    COORDINATOR_NOT_AVAILABLE until its leaders exist."""
    last = []

    def ask():
        for b in cluster.values():
            if not b.running:
                continue
            err, node, _host, port = find_coordinator(b.plaintext_port, group)
            last[:] = [(b.id, err, node)]
            if err == 0:
                return node, port
        return None

    try:
        return wait_for(ask, timeout, f"FindCoordinator for group {group}", interval=0.2)
    except TimeoutError as e:
        raise TimeoutError(f"{e}; last answer (asked broker, error, node) {last}") from None


def committed_offsets(cluster, group, topic, partitions, timeout=scaled(30)):
    """{partition: committed offset (-1 = none)} read with OffsetFetch v3 from the group's
    coordinator, retried while the coordinator loads or moves."""
    last = []

    def fetch():
        _, port = coordinator_id(cluster, group, timeout)
        top, parts = offset_fetch(port, group, {topic: list(partitions)})
        last[:] = [(top, parts)]
        if top in RETRIABLE_COORDINATOR_ERRORS:
            return None
        assert top == 0, f"OffsetFetch {group}: error {top}"
        errs = {p: parts[(topic, p)][2] for p in partitions}
        if any(e in RETRIABLE_COORDINATOR_ERRORS for e in errs.values()):
            return None
        assert all(e == 0 for e in errs.values()), f"OffsetFetch {group}: partition errors {errs}"
        return {p: parts[(topic, p)][0] for p in partitions}

    try:
        return wait_for(fetch, timeout, f"OffsetFetch of group {group}", interval=0.2)
    except TimeoutError as e:
        raise TimeoutError(f"{e}; last answer {last}") from None


def describe_group(cluster, group, timeout=scaled(30)):
    """DescribeGroups v4 of one group at its coordinator (retried while it loads or moves)."""

    def ask():
        _, port = coordinator_id(cluster, group, timeout)
        g = describe_groups(port, [group])[group]
        if g["error"] in RETRIABLE_COORDINATOR_ERRORS:
            return None
        assert g["error"] == 0, f"DescribeGroups {group}: error {g['error']}"
        return g

    return wait_for(ask, timeout, f"DescribeGroups of {group}", interval=0.2)


# ---------------------------------------------------------------------------------------------
# Producing


def produce(cluster, topic, counts, tag="r", timeout=60):
    """Produces counts[p] records to each partition p (acks=all, explicit partitions) with
    confluent-kafka. Values are b"<tag>-<p>-<i>". Returns {p: [offsets]} of the acknowledged
    records; every record must be acknowledged, at consecutive offsets per partition."""
    from confluent_kafka import Producer

    acked, errors = {}, []

    def dr(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.setdefault(msg.partition(), []).append(msg.offset())

    conf = rdkafka_conf(any_live(cluster), extra={"acks": "all", "linger.ms": 5, "message.timeout.ms": 30000})
    conf["bootstrap.servers"] = bootstrap(cluster)
    p = Producer(conf)
    for part, n in counts.items():
        for i in range(n):
            p.produce(topic, f"{tag}-{part}-{i}".encode(), partition=part, on_delivery=dr)
            p.poll(0)
    left = p.flush(scaled(timeout))
    assert left == 0 and not errors, f"{left} undelivered, errors {errors[:5]}"
    out = {}
    for part, n in counts.items():
        offs = sorted(acked.get(part, []))
        assert len(offs) == n, f"{topic}-{part}: {len(offs)} of {n} acknowledged"
        if offs:
            assert offs == list(range(offs[0], offs[0] + n)), f"{topic}-{part}: offsets {offs}"
        out[part] = offs
    return out


# ---------------------------------------------------------------------------------------------
# A confluent-kafka group member that records what the group did to it


class Member:
    """One confluent-kafka Consumer subscribed to `topic`, polled by the test's thread.

    It records every rebalance callback (events: ("assign"|"revoke"|"lost", partitions, seq)),
    keeps its current assignment (incremental under cooperative-sticky) and every record it
    returned (partition, offset, value, seq); seq orders records and callbacks across members.

    With `commit` set it commits each record it returns synchronously
    (commit(offsets=[offset + 1], asynchronous=False)); a commit that fails is recorded in
    failed_commits, does not count as committed, and is retried at the next poll while the
    partition stays assigned. `committed` ({partition: offset}, usually
    shared by the members of one group) holds the offsets committed successfully.

    With `check_resume` set it checks Kafka's delivery contract for a consumer that commits
    every record before polling the next: after each assign callback, the first record of a
    newly assigned partition is exactly the committed offset at that moment (`start` when
    nothing was committed: auto.offset.reset=earliest on a log starting at `start`), and each
    further record is the next offset. So nothing below a committed offset is delivered again,
    nothing is skipped, and nothing is delivered twice while the partition stays owned.
    """

    _seq = 0

    def __init__(self, name, conf, topic, commit=True, committed=None, check_resume=True, start=0):
        from confluent_kafka import Consumer

        self.name = name
        self.topic = topic
        self.commit_each = commit
        self.committed = committed if committed is not None else {}
        self.check_resume = check_resume
        self.start = start
        self.cooperative = conf.get("partition.assignment.strategy") == "cooperative-sticky"
        self.assignment = set()
        self.expect = {}  # partition -> next offset this member must deliver
        self.events = []
        self.records = []
        self.failed_commits = []  # ({partition: offset}, error)
        self.pending = {}  # partition -> offset of a commit that failed, retried on the next poll
        self.errors = []  # transient consumer errors librdkafka reported
        self.closed = False
        self.c = Consumer(conf)
        self.c.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost)

    @classmethod
    def _next(cls):
        cls._seq += 1
        return cls._seq

    def _on_assign(self, consumer, partitions):
        parts = sorted(tp.partition for tp in partitions)
        if self.cooperative:
            self.assignment |= set(parts)
        else:
            self.assignment = set(parts)
            self.expect = {}
        for p in parts:
            self.expect[p] = self.committed.get(p, self.start)
        self.events.append(("assign", parts, self._next()))

    def _on_revoke(self, consumer, partitions):
        parts = sorted(tp.partition for tp in partitions)
        if self.cooperative:
            self.assignment -= set(parts)
        else:
            self.assignment = set()
        for p in parts:
            self.expect.pop(p, None)
            self.pending.pop(p, None)
        self.events.append(("revoke", parts, self._next()))

    def _on_lost(self, consumer, partitions):
        parts = sorted(tp.partition for tp in partitions)
        self.assignment -= set(parts)
        for p in parts:
            self.expect.pop(p, None)
            self.pending.pop(p, None)
        self.events.append(("lost", parts, self._next()))

    def events_after(self, seq, kind=None):
        return [e for e in self.events if e[2] > seq and (kind is None or e[0] == kind)]

    def poll(self, timeout=0.1):
        """One poll; returns the record (partition, offset, value) it processed, or None.
        Commits that failed earlier are retried first (a real application would too), except
        for partitions revoked since."""
        from confluent_kafka import KafkaError

        if self.pending:
            self._commit(dict(self.pending))
        m = self.c.poll(timeout)
        if m is None:
            return None
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                return None
            if m.error().fatal():
                raise AssertionError(f"{self.name}: fatal consumer error {m.error()}")
            self.errors.append(m.error())  # transient (e.g. a broker went away); librdkafka retries
            return None
        p, off = m.partition(), m.offset()
        if self.check_resume:
            assert p in self.expect, (
                f"{self.name}: record {self.topic}-{p}@{off} from a partition it was not assigned "
                f"(assignment {sorted(self.assignment)}, events {self.events[-4:]})"
            )
            assert off == self.expect[p], (
                f"{self.name}: {self.topic}-{p} delivered offset {off}, expected {self.expect[p]} "
                f"(committed offsets {dict(sorted(self.committed.items()))}, events {self.events[-4:]})"
            )
            self.expect[p] = off + 1
        rec = (p, off, m.value(), self._next())
        self.records.append(rec)
        if self.commit_each:
            self._commit({p: off + 1})
        return rec[:3]

    def _commit(self, offsets):
        """Synchronous commit of {partition: offset}; what fails stays pending."""
        from confluent_kafka import KafkaException, TopicPartition

        tps = [TopicPartition(self.topic, p, o) for p, o in sorted(offsets.items())]
        try:
            res = self.c.commit(offsets=tps, asynchronous=False)
        except KafkaException as e:
            self.failed_commits.append((dict(offsets), str(e)))
            self.pending.update(offsets)
            return
        for tp in res or tps:
            if tp.error is not None:
                self.failed_commits.append(({tp.partition: tp.offset}, str(tp.error)))
                self.pending[tp.partition] = tp.offset
                continue
            if self.pending.get(tp.partition) == tp.offset:
                del self.pending[tp.partition]
            if self.committed.get(tp.partition, -1) < tp.offset:
                self.committed[tp.partition] = tp.offset

    def offsets_of(self, partition, after_seq=0):
        return [r[1] for r in self.records if r[0] == partition and r[3] > after_seq]

    def generation(self):
        """The generation id librdkafka holds, read from its serialised consumer group metadata
        (librdkafka 2.0.2: "CGMDv2:", int32 generation in host order, group id, member id,
        instance id)."""
        raw = self.c.consumer_group_metadata()
        assert raw[:7] == b"CGMDv2:", f"unexpected consumer group metadata format {raw[:16]!r}"
        return struct.unpack_from("=i", raw, 7)[0]

    def close(self):
        if not self.closed:
            self.closed = True
            self.c.close()

    def __repr__(self):
        return f"<Member {self.name} assignment={sorted(self.assignment)}>"


def current_seq():
    return Member._seq


def poll_until(members, cond, timeout, what, poll_timeout=0.05):
    """Polls every open member in turn until cond() holds (checked after each round); returns
    cond()'s value. Members are polled round-robin from this thread, so rebalance callbacks
    run here too."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        for m in members:
            if not m.closed:
                m.poll(poll_timeout)
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            state = ", ".join(f"{m.name}: assignment {sorted(m.assignment)}, {len(m.records)} records, "
                              f"events {m.events[-4:]}" for m in members)
            raise TimeoutError(f"timed out after {timeout}s waiting for {what} ({state})")


def close_all(members):
    errors = []
    for m in members:
        try:
            m.close()
        except Exception as e:  # noqa: BLE001 - close the others anyway
            errors.append(f"{m.name}: {e!r}")
    return errors
