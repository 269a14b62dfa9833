"""The partition log on a real broker: segments roll at segment.bytes and old ones are deleted
by retention.bytes while a consumer keeps up; a broker killed with SIGKILL during a produce
restarts with a clean prefix of valid batches that contains every acknowledged record;
DeleteRecords moves the log start offset; checkpoints, the clean-shutdown marker and
`cafka dump-log`; fetches deep into a segment cost no memory sized by their position."""

import os
import re
import signal
import struct
import subprocess
import threading
import time

import kafka_wire as kw
from helpers import BIN_DIR, create_topic, rdkafka_conf, scaled, small_asan_quarantine, wait_for

CAFKA = str(BIN_DIR / "cafka")


def topic_dir(broker, topic, partition=0):
    return broker.data_dir / f"{topic}-{partition}"


def segments(broker, topic, partition=0):
    return sorted(p for p in os.listdir(topic_dir(broker, topic, partition)) if p.endswith(".log"))


def dump(*paths, data=False):
    args = [CAFKA, "dump-log"] + (["--print-data-log"] if data else []) + [str(p) for p in paths]
    cp = subprocess.run(args, capture_output=True, text=True, timeout=scaled(60))
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def watermarks(broker, topic, partition=0):
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-wm", "enable.auto.commit": False}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=scaled(10))
    finally:
        c.close()


def test_segments_roll_and_retention_deletes_while_consumer_keeps_up(broker_factory):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

    b = broker_factory(overrides={"log.retention.check.interval.ms": "500"})
    topic = "rolling"
    create_topic(b, topic, config={"segment.bytes": str(1 << 20), "retention.bytes": str(3 << 20),
                                   "file.delete.delay.ms": "200"})
    n, value = 12000, b"x" * 1000  # ~12 MB through 1 MiB segments
    p = Producer(rdkafka_conf(b, extra={"linger.ms": 5, "acks": "1"}))
    c = Consumer(rdkafka_conf(b, extra={"group.id": "unused-rolling", "enable.auto.commit": False, "fetch.max.bytes": 1 << 20}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    deadline = time.monotonic() + scaled(120)
    for i in range(n):
        p.produce(topic, key=b"%d" % i, value=value, partition=0)
        if i % 500 == 499:
            p.flush(scaled(30))
            while len(got) < i + 1 and time.monotonic() < deadline:  # the consumer keeps up
                m = c.poll(0.2)
                if m is not None and not m.error():
                    got.append((m.offset(), m.key()))
    assert p.flush(scaled(30)) == 0
    c.close()
    assert got == [(i, b"%d" % i) for i in range(n)], "consumer missed or reordered records"

    # rolled: several segments named by their base offsets, each with its indexes. Retention
    # runs every 500 ms, so the segments rolled after its last pass during the produce loop are
    # only deleted by the next pass: wait for the bound itself, not for a segment count.
    bound = (3 << 20) + (1 << 20) + 4096  # retention.bytes plus the active segment

    def retained():
        segs = segments(b, topic)
        try:
            total = sum(os.path.getsize(topic_dir(b, topic) / s) for s in segs)
        except FileNotFoundError:  # renamed to .deleted by the pass under way
            return False
        return segs[0] != "00000000000000000000.log" and total <= bound

    wait_for(retained, scaled(30), "retention to delete the oldest segments")
    segs = segments(b, topic)
    assert len(segs) >= 2
    files = os.listdir(topic_dir(b, topic))
    for s in segs:
        base = s[:-4]
        assert f"{base}.index" in files and f"{base}.timeindex" in files
    total = sum(os.path.getsize(topic_dir(b, topic) / s) for s in segs)
    assert total <= bound
    lo, hi = watermarks(b, topic)
    assert hi == n and lo == int(segs[0][:-4]) and lo > 0
    wait_for(lambda: not [f for f in os.listdir(topic_dir(b, topic)) if f.endswith(".deleted")],
             scaled(20), ".deleted files to be removed after file.delete.delay.ms")
    out = dump(topic_dir(b, topic) / segs[0])
    assert "isvalid: false" not in out and f"baseOffset: {lo} " in out


def test_sigkill_during_produce_leaves_a_clean_prefix(broker_factory):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

    b = broker_factory()
    topic = "killed"
    create_topic(b, topic, config={"segment.bytes": str(2 << 20)})
    acked = {}
    stop = threading.Event()

    def on_delivery(err, msg):
        if err is None:
            acked[msg.offset()] = msg.value()

    def produce():
        p = Producer(rdkafka_conf(b, extra={"acks": "1", "linger.ms": 2, "message.timeout.ms": 5000,
                                            "retries": 0}))
        for i in range(100_000):
            if stop.is_set():
                break
            while True:
                try:
                    p.produce(topic, value=b"record-%06d" % i, partition=0, on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
        p.flush(10)

    t = threading.Thread(target=produce)
    t.start()
    wait_for(lambda: len(acked) >= 20_000, scaled(60), "20,000 acknowledged records")
    b.stop(signal.SIGKILL)
    stop.set()
    t.join(scaled(60))
    acked_before_kill = dict(acked)

    # every segment left behind is a sequence of valid batches
    for s in segments(b, topic):
        out = dump(topic_dir(b, topic) / s)
        assert "isvalid: false" not in out and "invalid bytes" not in out

    b.start()
    assert "not shut down cleanly" in b.log_text()
    lo, hi = watermarks(b, topic)
    assert lo == 0 and hi >= max(acked_before_kill) + 1
    c = Consumer(rdkafka_conf(b, extra={"group.id": "unused-killed", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen = {}
    deadline = time.monotonic() + scaled(60)
    while len(seen) < hi and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            seen[m.offset()] = m.value()
    c.close()
    assert sorted(seen) == list(range(hi)), "the restarted log is not a contiguous prefix"
    for off, val in acked_before_kill.items():
        assert seen[off] == val, f"acknowledged record at {off} lost or changed"
    # the broker keeps appending after the recovered end
    p = Producer(rdkafka_conf(b))
    offs = []
    p.produce(topic, value=b"after", partition=0, on_delivery=lambda e, m: offs.append(m.offset()))
    assert p.flush(scaled(10)) == 0 and offs == [hi]


def delete_records_v0(corr, topic, partition, offset):
    body = struct.pack(">i", 1) + kw.string(topic) + struct.pack(">i", 1)
    body += struct.pack(">iq", partition, offset) + struct.pack(">i", 10000)
    return kw.request(21, 0, corr, body)


def test_delete_records_moves_log_start_offset(broker_factory):
    from confluent_kafka import Producer

    b = broker_factory(overrides={"log.retention.check.interval.ms": "500"})
    topic = "trimmed"
    create_topic(b, topic, config={"segment.bytes": str(64 << 10), "file.delete.delay.ms": "0"})
    p = Producer(rdkafka_conf(b, extra={"linger.ms": 5, "batch.num.messages": 50}))
    for i in range(3000):
        p.produce(topic, value=b"v" * 100, partition=0)
    assert p.flush(scaled(30)) == 0
    before = len(segments(b, topic))
    assert before > 3
    with kw.Conn("127.0.0.1", b.plaintext_port) as c:
        r = kw.Reader(c.roundtrip(delete_records_v0(1, topic, 0, 2000)))
        assert r.i32() == 1 and r.i32() == 0  # correlation, throttle
        assert r.i32() == 1 and r.string() == topic and r.i32() == 1
        part, low, err = r.i32(), r.i64(), r.i16()
        assert (part, low, err) == (0, 2000, 0)
        r = kw.Reader(c.roundtrip(delete_records_v0(2, topic, 0, 5000)))  # beyond the HWM
        r.i32(), r.i32(), r.i32(), r.string(), r.i32()
        assert (r.i32(), r.i64(), r.i16()) == (0, -1, 1)
        _, res = kw.parse_list_offsets_v1_response(c.roundtrip(kw.list_offsets_v1(3, topic, 0, -2)))
        assert res[(topic, 0)]["offset"] == 2000
    assert watermarks(b, topic) == (2000, 3000)
    wait_for(lambda: len(segments(b, topic)) < before, scaled(20), "segments below 2000 deleted")
    assert int(segments(b, topic)[0][:-4]) <= 2000
    # a restart keeps the log start offset (log-start-offset-checkpoint)
    assert b.restart() == 0
    assert watermarks(b, topic) == (2000, 3000)


def test_clean_shutdown_checkpoints_and_index_rebuild(broker_factory):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

    b = broker_factory()
    topic = "checkpointed"
    create_topic(b, topic, config={"segment.bytes": str(256 << 10)})
    p = Producer(rdkafka_conf(b, extra={"linger.ms": 5, "batch.num.messages": 100}))
    for i in range(5000):
        p.produce(topic, value=b"value-%05d" % i + b"." * 90, partition=0)
    assert p.flush(scaled(30)) == 0
    assert b.stop() == 0
    data = b.data_dir
    assert (data / ".kafka_cleanshutdown").exists()
    for name in ["recovery-point-offset-checkpoint", "replication-offset-checkpoint",
                 "log-start-offset-checkpoint"]:
        lines = (data / name).read_text().splitlines()
        assert lines[0] == "0" and int(lines[1]) == len(lines) - 2
        assert f"{topic} 0 " in "\n".join(lines)
    rp = (data / "recovery-point-offset-checkpoint").read_text()
    assert re.search(rf"^{topic} 0 5000$", rp, re.M)
    # an index lost while the broker was down is rebuilt from the log
    segs = segments(b, topic)
    assert len(segs) > 2
    victim = topic_dir(b, topic) / (segs[0][:-4] + ".index")
    entries_before = os.path.getsize(victim) // 8
    assert entries_before > 0
    victim.unlink()
    b.start()
    assert not (data / ".kafka_cleanshutdown").exists()  # removed once the logs are loaded
    assert "rebuilding" in b.log_text()
    assert os.path.getsize(victim) // 8 == entries_before
    out = dump(victim)
    assert out.count("offset: ") == entries_before
    c = Consumer(rdkafka_conf(b, extra={"group.id": "unused-cp", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    deadline = time.monotonic() + scaled(30)
    while len(got) < 5000 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value()[:11])
    c.close()
    assert got == [b"value-%05d" % i for i in range(5000)]
    out = dump(topic_dir(b, topic) / segs[0], data=True)
    assert "| offset: 0 CreateTime:" in out and "payload: value-00000" in out


def test_compaction_keeps_latest_value_per_key_and_offsets(broker_factory):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition

    b = broker_factory(overrides={"log.cleaner.backoff.ms": "300"})
    topic = "compacted"
    create_topic(b, topic, config={"cleanup.policy": "compact", "segment.bytes": str(16 << 10),
                                   "delete.retention.ms": "0"})
    p = Producer(rdkafka_conf(b, extra={"linger.ms": 0, "batch.num.messages": 20}))
    latest = {}
    for i in range(2000):
        key = b"k%d" % (i % 10)
        val = None if (key == b"k0" and i >= 1990) else b"v%05d" % i + b"." * 50
        p.produce(topic, key=key, value=val, partition=0)
        latest[key] = (i, val)
    assert p.flush(scaled(30)) == 0
    for i in range(400):  # push the updates above out of the active segment
        p.produce(topic, key=b"filler%d" % (i % 3), value=b"f" * 60, partition=0)
    assert p.flush(scaled(30)) == 0
    wait_for(lambda: "compacted compacted-0" in b.log_text(), scaled(30), "a compaction pass")

    active_base = int(segments(b, topic)[-1][:-4])
    c = Consumer(rdkafka_conf(b, extra={"group.id": "unused-compact", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    deadline = time.monotonic() + scaled(30)
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            if got and got[-1][0] == 2399:
                break
            continue
        if not m.error():
            got.append((m.offset(), m.key(), m.value()))
    c.close()
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(offsets) and offsets[-1] == 2399  # offsets kept, order kept
    cleaned = [(o, k, v) for o, k, v in got if o < active_base]
    keys = [k for _, k, _ in cleaned]
    assert len(keys) == len(set(keys)), "a key appears twice in the cleaned segments"
    assert len(got) < 1000  # most of the 2400 records are gone
    for key, (i, val) in latest.items():
        if val is None:  # the tombstone is dropped once delete.retention.ms passed
            assert all(k != key or v is None for _, k, v in got)
            continue
        assert (i, key, val) in got, f"latest value of {key} lost"
    # null keys are refused on a compacted topic (INVALID_RECORD)
    errs = []
    p2 = Producer(rdkafka_conf(b, extra={"retries": 0}))
    p2.produce(topic, value=b"no key", partition=0, on_delivery=lambda e, m: errs.append(e))
    p2.flush(scaled(10))
    assert errs and errs[0] is not None and errs[0].code() == 87


def test_flush_messages_forces_fsyncs(broker_factory):
    """flush.messages=1: appended records get fsync'd, so the recovery point (checkpointed every
    200 ms here) reaches the log end; without it nothing is forced. (That the Produce response
    waits for the fsync is not observable from here.)"""
    from confluent_kafka import Producer

    b = broker_factory(overrides={"log.flush.offset.checkpoint.interval.ms": "200"})
    create_topic(b, "flushed", config={"flush.messages": "1"})
    create_topic(b, "lazy")
    p = Producer(rdkafka_conf(b, extra={"acks": "1", "linger.ms": 0}))
    for topic in ("flushed", "lazy"):
        for i in range(50):
            p.produce(topic, value=b"v%d" % i, partition=0)
        assert p.flush(scaled(30)) == 0
    cp = b.data_dir / "recovery-point-offset-checkpoint"

    def points():
        entries = {}
        for line in cp.read_text().splitlines()[2:]:
            t, part, off = line.split()
            entries[t] = int(off)
        return entries

    wait_for(lambda: points().get("flushed") == 50, scaled(20), "recovery point of 'flushed' at 50")
    assert points().get("lazy") == 0  # never forced: Kafka relies on replication and the page cache


def vm_peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmPeak:"))


def test_fetches_deep_in_a_segment_map_no_memory_sized_by_the_position(broker_factory, monkeypatch):
    """A fetch response that follows one ending in a file range sent with sendfile: libevent 2.1
    sized the chain for its first bytes by where that range ended in the segment, so a consumer
    reading 64 MB into a segment made the broker map (and unmap) 64 MiB per response. The
    broker's peak virtual size stays where reading near the segment's start left it."""
    from confluent_kafka import Consumer, TopicPartition

    small_asan_quarantine(monkeypatch)
    b = broker_factory(1)
    create_topic(b, "deep", partitions=1)
    batch = kw.record_batch([(None, b"v" * 1000, ())] * 1000)  # ~1 MB
    conn = kw.Conn("127.0.0.1", b.plaintext_port, timeout=scaled(30))
    sent = [0]

    def produce(n_batches, one=batch):
        for _ in range(n_batches):
            answer = conn.roundtrip(kw.produce_v3(sent[0], "deep", 0, one))
            _, res, _ = kw.parse_produce_v3_response(answer)
            assert res[("deep", 0)]["error_code"] == 0
            sent[0] += 1

    c = Consumer(rdkafka_conf(b, extra={"group.id": "deep-g", "enable.auto.commit": False}))

    def read_to_end_and_one_more(start):
        """Reads from @start to the log end, then one record produced afterwards: the response
        carrying it follows one that ended in a file range."""
        end = c.get_watermark_offsets(TopicPartition("deep", 0), timeout=scaled(10))[1]
        c.assign([TopicPartition("deep", 0, start)])
        want, got = end + 1 - start, 0
        deadline = time.monotonic() + scaled(60)
        while got < want and time.monotonic() < deadline:
            if got == end - start:
                produce(1, kw.record_batch([(None, b"last", ())]))
                want = got + 1
            msgs = c.consume(1000, timeout=1)
            got += sum(1 for m in msgs if m.error() is None)
        assert got == want

    try:
        produce(4)
        read_to_end_and_one_more(0)
        read_to_end_and_one_more(3000)  # twice: every path (and thread arena) is warm
        base = vm_peak_kib(b.proc.pid)
        produce(64)
        end = c.get_watermark_offsets(TopicPartition("deep", 0), timeout=scaled(10))[1]
        read_to_end_and_one_more(end - 1000)
        read_to_end_and_one_more(end - 500)
        grown_mib = (vm_peak_kib(b.proc.pid) - base) / 1024
        assert grown_mib < 32, f"peak virtual size grew {grown_mib:.0f} MiB reading at 64 MB"
    finally:
        c.close()
        conn.sock.close()
