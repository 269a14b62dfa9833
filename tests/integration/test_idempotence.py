"""Idempotent producers (issue 11, first part): InitProducerId hands out ids from blocks claimed
in /latest_producer_id_block; each partition keeps its producers' last five batches, so a retried
batch is answered with its first offset and written once, a gap or an overlap gets
OUT_OF_ORDER_SEQUENCE_NUMBER and an old epoch INVALID_PRODUCER_EPOCH (Kafka 2.8's
ProducerStateManager, ../shared/reference/kafka-groups-and-producer-state.md §4-§5). The state is
rebuilt from the log at restart and kept by followers, so a new leader keeps deduplicating: a
confluent-kafka producer with enable.idempotence=true writes every record exactly once, in
order, across a SIGKILL of the partition's leader."""

import json
import struct
import threading
import time

import kafka_wire as kw
from helpers import create_topic, cut_connections, rdkafka_conf, scaled, wait_for
from replica_tools import partition_states, wait_state

NONE = 0
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
INVALID_REQUEST = 42
API_INIT_PRODUCER_ID = 22


def init_producer_id(port, version=1, transactional_id=None):
    """InitProducerId v0/v1 (not flexible). Returns (error, producer_id, epoch)."""
    body = kw.string(transactional_id) + struct.pack(">i", 60000)
    with kw.Conn("127.0.0.1", port) as c:
        r = kw.Reader(c.roundtrip(kw.request(API_INIT_PRODUCER_ID, version, 1, body)))
        assert r.i32() == 1
        r.i32()  # throttle
        out = (r.i16(), r.i64(), r.i16())
        assert r.remaining() == 0
    return out


def idempotent_batch(values, producer_id, epoch, base_sequence):
    """A RecordBatch v2 of `values` with the producer fields set (CRC recomputed)."""
    b = bytearray(kw.record_batch([(None, v, ()) for v in values]))
    struct.pack_into(">qhi", b, 43, producer_id, epoch, base_sequence)
    struct.pack_into(">I", b, 17, kw.crc32c(bytes(b[21:])))
    return bytes(b)


def produce(conn, topic, batch, corr=[0]):
    corr[0] += 1
    _, res, _ = kw.parse_produce_v3_response(conn.roundtrip(kw.produce_v3(corr[0], topic, 0, batch, acks=-1)))
    r = res[(topic, 0)]
    return r["error_code"], r["base_offset"]


def log_end(port, topic):
    from replica_tools import high_watermark

    return high_watermark(port, topic, 0)


def test_init_producer_id_hands_out_ids_from_a_claimed_block(broker, zk, chroot):
    got = [init_producer_id(broker.plaintext_port, version=v) for v in (0, 1, 0, 1)]
    assert [e for e, _, _ in got] == [NONE] * 4, got
    assert [ep for _, _, ep in got] == [0] * 4, "a new id always starts at epoch 0"
    ids = [pid for _, pid, _ in got]
    assert ids == list(range(ids[0], ids[0] + 4)), "ids are handed out one by one"
    data, _ = zk.get(f"{chroot}/latest_producer_id_block")
    block = json.loads(data)
    assert block["version"] == 1 and block["broker"] == broker.id, block
    start, end = int(block["block_start"]), int(block["block_end"])
    assert end - start + 1 == 1000 and start <= ids[0] and ids[-1] <= end, (block, ids)
    assert init_producer_id(broker.plaintext_port, transactional_id="")[0] == INVALID_REQUEST


def test_retried_batches_are_written_once_and_sequences_are_checked(broker):
    create_topic(broker, "idem")
    err, pid, epoch = init_producer_id(broker.plaintext_port)
    assert err == NONE
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        first = idempotent_batch([b"a0", b"a1", b"a2"], pid, epoch, 0)
        assert produce(c, "idem", first) == (NONE, 0)
        assert produce(c, "idem", first) == (NONE, 0), "a retry gets its first offset"
        assert log_end(broker.plaintext_port, "idem") == 3, "and is not written again"
        assert produce(c, "idem", idempotent_batch([b"x"], pid, epoch, 5))[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
        assert produce(c, "idem", idempotent_batch([b"x"], pid, epoch, 1))[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
        second = idempotent_batch([b"a3", b"a4"], pid, epoch, 3)
        assert produce(c, "idem", second) == (NONE, 3)
        assert produce(c, "idem", first) == (NONE, 0), "any of the last five batches is known"
        # KIP-360: a bumped epoch starts again at sequence 0; the old epoch is fenced after it
        assert produce(c, "idem", idempotent_batch([b"x"], pid, epoch + 1, 7))[0] == OUT_OF_ORDER_SEQUENCE_NUMBER
        assert produce(c, "idem", idempotent_batch([b"b0"], pid, epoch + 1, 0)) == (NONE, 5)
        assert produce(c, "idem", idempotent_batch([b"x"], pid, epoch, 5))[0] == INVALID_PRODUCER_EPOCH
        # an unknown producer id starts at any sequence (Kafka 2.8 has no UNKNOWN_PRODUCER_ID)
        assert produce(c, "idem", idempotent_batch([b"c0"], pid + 999, 0, 42)) == (NONE, 6)
    assert log_end(broker.plaintext_port, "idem") == 7
    broker.restart()  # the state comes back from the batch headers
    wait_for(lambda: log_end(broker.plaintext_port, "idem") == 7, scaled(30), "the partition after restart")
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        b1 = idempotent_batch([b"b0"], pid, epoch + 1, 0)
        assert produce(c, "idem", b1) == (NONE, 5), "a retry after the restart"
        assert produce(c, "idem", idempotent_batch([b"b1"], pid, epoch + 1, 1)) == (NONE, 7)
        assert produce(c, "idem", idempotent_batch([b"c1"], pid + 999, 0, 43)) == (NONE, 8)
    assert log_end(broker.plaintext_port, "idem") == 9


def test_confluent_idempotent_producer_is_exactly_once_across_a_leader_kill_and_connection_cuts(
        broker_factory, zk, chroot):
    """30,000 records here (scripts/fault.sh --idempotent runs 100,000 and more under each
    fault): the leader SIGKILLed after a tenth, then every connection to the brokers aborted five
    times (ss -K), at 30 % to 70 % acknowledged; retries of batches whose answers were lost
    must be recognised as duplicates, by the old leader and by the new one."""
    from confluent_kafka import Consumer, Producer, TopicPartition

    over = {"zookeeper.session.timeout.ms": 6000, "replica.lag.time.max.ms": 3000,
            "replica.fetch.wait.max.ms": 200, "default.replication.factor": 3,
            "min.insync.replicas": 2, "unclean.leader.election.enable": "false"}
    cluster = {i: broker_factory(i, overrides=over) for i in (1, 2, 3)}
    topic = "idem-kill"
    create_topic(cluster[1], topic, partitions=1, replication_factor=3)
    wait_state(zk, chroot, topic, 0, lambda st: len(st["isr"]) == 3, scaled(60), "full ISR")
    boot = ",".join(b.bootstrap for b in cluster.values())
    n = 30000
    errors, acked = [], []
    prod = Producer({"bootstrap.servers": boot, "enable.idempotence": True, "acks": "all",
                     "max.in.flight.requests.per.connection": 5, "linger.ms": 2,
                     "batch.num.messages": 200, "message.timeout.ms": 120000})

    def dr(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.append(msg.offset())

    killed = threading.Event()
    acked_at_kill, cuts = [], []

    def nemesis():
        wait_for(lambda: len(acked) >= n // 10, scaled(120), "a tenth acknowledged", interval=0.005)
        leader = partition_states(zk, chroot, topic)[0]["leader"]
        cluster[leader].kill()
        acked_at_kill.append(len(acked))
        killed.set()
        for k in range(3, 8):  # at 30 %, 40 %, ... 70 % acknowledged (the pacing keeps 70 %
            # at 4.5 s or more before the end); each cut waits for a connection to cut
            wait_for(lambda: len(acked) >= n * k // 10, scaled(120), f"{k}0 % acknowledged", interval=0.005)
            cut = wait_for(lambda: sum(cut_connections(b.plaintext_port) for b in cluster.values() if b.running),
                           scaled(30), "a connection to cut", interval=0.01)
            cuts.append((len(acked), cut))

    t = threading.Thread(target=nemesis)
    t.start()
    deadline = time.monotonic() + scaled(180)
    for i in range(n):
        while True:
            try:
                prod.produce(topic, value=b"%d" % i, partition=0, on_delivery=dr)
                break
            except BufferError:
                prod.poll(0.05)
        # paced (100 records per 50 ms at most: 15 s or more) so that the kill and every cut land
        # while records are in flight
        prod.poll(0.05 if i % 100 == 99 else 0)
        assert time.monotonic() < deadline, "producing took too long"
    assert prod.flush(scaled(180)) == 0
    t.join(scaled(130))
    assert killed.is_set() and acked_at_kill[0] < n, "the leader was killed while producing"
    assert len(cuts) == 5 and all(a < n and c > 0 for a, c in cuts), f"connections cut while producing: {cuts}"
    assert errors == [], errors[:5]
    assert len(acked) == n

    survivor = next(b for b in cluster.values() if b.running)
    c = Consumer(rdkafka_conf(survivor, extra={"bootstrap.servers": boot, "group.id": "unused",
                                               "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    try:
        while len(values) < n:
            msgs = c.consume(min(1000, n - len(values)), timeout=scaled(15))
            assert msgs, f"no records after {len(values)}"
            for m in msgs:
                assert m.error() is None, m.error()
                values.append(int(m.value()))
    finally:
        c.close()
    assert values == list(range(n)), "every record exactly once, in order"
