"""Compressed record batches (issue 11, codec part): every codec from confluent-kafka, kcat and
kafka-python (also in message format v1, as clients before 0.11 send it), read back by
confluent-kafka and kcat; records inside compressed batches found by
timestamp; compressed garbage of every codec and lying record counts refused on produce while
the partition stays readable (Kafka's LogValidator walks compressed records as the others); a
compacted topic of compressed batches cleaned to the latest value per key, still compressed and
readable by confluent-kafka, kcat and kafka-python.
"""

import os
import random
import struct

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

import kafka_wire as kw
from helpers import create_topic, kcat, kcat_args, rdkafka_conf, scaled, wait_for

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
CORRUPT_MESSAGE = 2
INVALID_RECORD = 87


@pytest.fixture
def broker(broker_factory):
    # a short cleaner back-off so that a compacted topic is cleaned within the test
    return broker_factory(1, overrides={"log.cleaner.backoff.ms": "300"})


def produce(broker, topic, codec, values, timestamps=None):
    p = Producer(rdkafka_conf(broker, extra={"compression.type": codec, "acks": "all",
                                             "linger.ms": 50, "batch.num.messages": 10000}))
    errors = []
    for i, v in enumerate(values):
        kw_ = {"timestamp": timestamps[i]} if timestamps else {}
        p.produce(topic, key=b"k%d" % i, value=v, on_delivery=lambda e, m: e and errors.append(e), **kw_)
    assert p.flush(scaled(60)) == 0
    assert errors == []


def produce_kafka_python(broker, topic, codec, values, api_version, timestamp_base=None):
    """kafka-python told it talks to Kafka @p api_version (which picks its Produce version and
    message format); every record acknowledged at the next offset."""
    from kafka import KafkaProducer

    p = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type=codec, acks="all",
                      linger_ms=50, api_version=api_version)
    try:
        futures = [p.send(topic, key=b"k%d" % i, value=v, partition=0,
                          timestamp_ms=None if timestamp_base is None else timestamp_base + i)
                   for i, v in enumerate(values)]
        p.flush(timeout=scaled(60))
        assert [f.get(timeout=scaled(30)).offset for f in futures] == list(range(len(values)))
    finally:
        p.close(timeout=scaled(10))


def consume_all(broker, topic, n):
    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused", "enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    try:
        while len(got) < n:
            msgs = c.consume(min(1000, n - len(got)), timeout=scaled(10))
            assert msgs, f"no records after {len(got)}"
            for m in msgs:
                assert m.error() is None, m.error()
                got.append((m.offset(), m.value()))
    finally:
        c.close()
    return got


def segment_codecs(broker, topic):
    """The compresscodec of every batch in the partition's log, from cafka dump-log."""
    from test_cli import cafka

    segs = sorted((broker.data_dir / f"{topic}-0").glob("*.log"))
    cp = cafka("dump-log", *segs)
    assert cp.returncode == 0, cp.stderr
    return {line.split(" compresscodec: ")[1].split()[0] for line in cp.stdout.splitlines()
            if " compresscodec: " in line}


def check_readable(broker, topic, values):
    got = consume_all(broker, topic, len(values))
    assert got == list(enumerate(values))
    out = kcat(kcat_args(broker) + ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
                                    "-f", "%o %s\n"]).stdout.decode()
    assert out.splitlines() == [f"{o} {v.decode()}" for o, v in got]


def sample_values(n):
    return [b"value %d " % i + os.urandom(8).hex().encode() * 4 for i in range(n)]


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_every_codec_from_confluent_kafka_and_kcat_is_stored_compressed_and_read_back(broker, codec):
    """librdkafka compresses gzip, snappy and lz4 only when the broker offers Produce v2 and
    Fetch v2 (its MsgVer1 feature) and zstd only with Produce v7 and Fetch v10: the codec must
    reach the log, not be dropped silently by the client."""
    topic = f"z-{codec}"
    create_topic(broker, topic)
    values = sample_values(3000)
    produce(broker, topic, codec, values)
    kcat_values = [b"kcat %d" % i for i in range(200)]
    kcat(kcat_args(broker) + ["-P", "-t", topic, "-p", "0", "-z", codec],
         input=b"\n".join(kcat_values) + b"\n")
    assert segment_codecs(broker, topic) == {codec}
    check_readable(broker, topic, values + kcat_values)


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4"])
def test_message_format_v1_from_an_old_client_is_up_and_down_converted(broker, codec):
    """kafka-python told it talks to Kafka 0.10.1 produces message format v1 wrappers with
    Produce v2 and fetches with Fetch v3: the log holds RecordBatch v2 in the same codec
    (LogValidator up-converts), the old client reads v1 entries (down-converted) and a current
    client reads the batches."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KpTopicPartition

    topic = f"z-v1-{codec}"
    create_topic(broker, topic)
    values = sample_values(2000)
    produce_kafka_python(broker, topic, codec, values, (0, 10, 1), timestamp_base=1_700_000_000_000)
    assert segment_codecs(broker, topic) == {codec}
    check_readable(broker, topic, values)
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, api_version=(0, 10, 1),
                      enable_auto_commit=False, consumer_timeout_ms=int(scaled(10) * 1000))
    try:
        tp = KpTopicPartition(topic, 0)
        c.assign([tp])
        c.seek(tp, 500)
        got = []
        for m in c:  # ends at the last record, or after consumer_timeout_ms without one
            got.append((m.offset, m.key, m.value, m.timestamp))
            if m.offset == 1999:
                break
    finally:
        c.close()
    assert got == [(i, b"k%d" % i, values[i], 1_700_000_000_000 + i) for i in range(500, 2000)]


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_every_codec_from_kafka_python_is_stored_compressed_and_read_back(broker, codec):
    topic = f"z-kp-{codec}"
    create_topic(broker, topic)
    values = sample_values(3000)
    produce_kafka_python(broker, topic, codec, values, (2, 8))
    assert segment_codecs(broker, topic) == {codec}
    check_readable(broker, topic, values)


def test_timestamp_lookup_inside_a_compressed_batch_is_exact(broker):
    create_topic(broker, "z-times")
    base = 1_700_000_000_000
    # log-like values: librdkafka sends a batch uncompressed when compression does not shrink it,
    # which a batch of a few two-byte values (cut short by linger.ms on a slow machine) did not
    produce(broker, "z-times", "zstd", sample_values(100),
            timestamps=[base + 10 * i for i in range(100)])
    assert segment_codecs(broker, "z-times") == {"zstd"}
    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused"}))
    try:
        for i in (0, 37, 99):
            (tp,) = c.offsets_for_times([TopicPartition("z-times", 0, base + 10 * i - 5)],
                                        timeout=scaled(10))
            assert tp.offset == i, (i, tp)
    finally:
        c.close()


def compressed_batch(records_section, codec, record_count):
    """A RecordBatch v2 whose records section is `records_section` (as is) with codec bits."""
    plain = kw.record_batch([(b"k", b"v", ())])
    head = bytearray(plain[:61])
    struct.pack_into(">h", head, 21, codec)
    struct.pack_into(">i", head, 23, record_count - 1)
    struct.pack_into(">i", head, 57, record_count)
    batch = bytearray(bytes(head) + records_section)
    struct.pack_into(">i", batch, 8, len(batch) - 12)
    struct.pack_into(">I", batch, 17, kw.crc32c(bytes(batch[21:])))
    return bytes(batch)


def test_bad_compressed_batches_are_refused_and_the_partition_stays_readable(broker):
    create_topic(broker, "z-bad")
    produce(broker, "z-bad", "zstd", [b"good %d" % i for i in range(10)])
    import zlib

    one = kw.encode_record(0, b"k", b"v")
    gz = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    gzipped = gz.compress(one) + gz.flush()
    junk = random.Random(150).randbytes(150)  # the same bytes every run
    cases = [(compressed_batch(junk, c, 1), CORRUPT_MESSAGE, f"150 arbitrary bytes as {n}")
             for n, c in sorted(CODECS.items())]
    cases.append((compressed_batch(gzipped, 1, 1_000_000), INVALID_RECORD, "1,000,000 records claimed, 1 inside"))
    cases.append((compressed_batch(gzipped, 1, 1), 0, "the same batch, honest"))
    with kw.Conn("127.0.0.1", broker.plaintext_port, timeout=scaled(30)) as c:
        for corr, (batch, want, what) in enumerate(cases, 1):
            _, res, _ = kw.parse_produce_v3_response(c.roundtrip(kw.produce_v3(corr, "z-bad", 0, batch)))
            assert res[("z-bad", 0)]["error_code"] == want, what
    got = consume_all(broker, "z-bad", 11)
    assert [v for _, v in got] == [b"good %d" % i for i in range(10)] + [b"v"]
    assert [o for o, _ in got] == list(range(11)), "no offset was taken by a refused batch"


def test_topic_compression_type_rewrites_batches_in_its_codec(broker):
    """compression.type on the topic: the broker stores its codec whatever the producer sent
    (Kafka's LogValidator recompresses); "producer" keeps the producer's codec."""
    cases = [("z-to-gzip", "gzip", "none"), ("z-to-lz4", "lz4", "zstd"),
             ("z-to-snappy", "snappy", "none"), ("z-to-none", "uncompressed", "zstd")]
    for topic, codec, sent in cases:
        create_topic(broker, topic, config={"compression.type": codec})
        values = sample_values(500)
        produce(broker, topic, sent, values)
        stored = "none" if codec == "uncompressed" else codec
        assert segment_codecs(broker, topic) == {stored}, (topic, sent)
        check_readable(broker, topic, values)


def read_keyed(broker, topic):
    """(offset, key, value) of every record, read by confluent-kafka, kcat and kafka-python;
    asserts that the three agree."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KpTopicPartition

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused", "enable.auto.commit": False,
                                             "enable.partition.eof": True}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    try:
        while True:
            m = c.poll(scaled(10))
            assert m is not None, f"no end of partition after {len(got)} records"
            if m.error():
                assert m.error().code() == -191, m.error()  # _PARTITION_EOF
                break
            got.append((m.offset(), m.key(), m.value()))
    finally:
        c.close()
    out = kcat(kcat_args(broker) + ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-Z",
                                    "-f", "%o %k %s\n"]).stdout.decode()
    want = [f"{o} {k.decode()} {'NULL' if v is None else v.decode()}" for o, k, v in got]
    assert out.splitlines() == want, "kcat reads what confluent-kafka reads"
    kp = KafkaConsumer(bootstrap_servers=broker.bootstrap, api_version=(2, 8),
                       enable_auto_commit=False, consumer_timeout_ms=int(scaled(10) * 1000))
    try:
        tp = KpTopicPartition(topic, 0)
        kp.assign([tp])
        kp.seek_to_beginning(tp)
        kgot = []
        for m in kp:  # ends at confluent-kafka's last record, or after consumer_timeout_ms
            kgot.append((m.offset, m.key, m.value))
            if got and m.offset >= got[-1][0]:
                break
    finally:
        kp.close()
    assert kgot == got, "kafka-python reads what confluent-kafka reads"
    return got


def test_compacted_topic_of_compressed_batches_keeps_the_latest_value_per_key(broker):
    """zstd batches from confluent-kafka and gzip ones from kafka-python, 30 keys rewritten
    100 times, one of them deleted: the cleaner filters inside the compressed batches and writes
    what it keeps back in their codec (Kafka's LogCleaner), offsets unchanged."""
    from kafka import KafkaProducer

    topic = "z-compact"
    create_topic(broker, topic, config={"cleanup.policy": "compact", "segment.bytes": str(16 << 10),
                                        "delete.retention.ms": "0"})
    rng = random.Random(11)
    latest = {}
    records = []
    for i in range(3000):
        key = b"k%02d" % (i % 30)
        value = None if (key == b"k00" and i >= 2970) else b"v%05d-" % i + rng.randbytes(24).hex().encode()
        records.append((key, value))
        latest[key] = (i, value)
    p = Producer(rdkafka_conf(broker, extra={"compression.type": "zstd", "acks": "all",
                                             "linger.ms": 20, "batch.num.messages": 50}))
    for key, value in records[:1500]:
        p.produce(topic, key=key, value=value, partition=0)
    assert p.flush(scaled(60)) == 0
    kp = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="gzip", acks="all",
                       linger_ms=20, batch_size=4096, api_version=(2, 8))
    try:
        futures = [kp.send(topic, key=k, value=v, partition=0) for k, v in records[1500:]]
        kp.flush(timeout=scaled(60))
        assert [f.get(timeout=scaled(30)).offset for f in futures] == list(range(1500, 3000))
    finally:
        kp.close(timeout=scaled(10))
    for i in range(400):  # push the updates above out of the active segment
        p.produce(topic, key=b"filler%d" % (i % 3), value=rng.randbytes(40).hex().encode(), partition=0)
    assert p.flush(scaled(60)) == 0
    segs = sorted((broker.data_dir / f"{topic}-0").glob("*.log"))
    active_base = int(segs[-1].name[:-4])
    assert active_base >= 3000, "every update is in a closed segment"

    def cleaned():
        got = read_keyed(broker, topic)
        below = [k for o, k, _ in got if o < active_base]
        return got if len(below) == len(set(below)) and b"k00" not in below else None

    got = wait_for(cleaned, scaled(60), "the closed segments compacted to one record per key")
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(offsets) and offsets[-1] == 3399, "offsets and order kept"
    for key, (i, value) in latest.items():
        if value is None:
            assert all(k != key for _, k, _ in got), "the tombstone went (delete.retention.ms=0)"
        else:
            assert (i, key, value) in got, f"latest value of {key} lost"
    assert len([o for o in offsets if o < 3000]) == 29
    assert segment_codecs(broker, topic) == {"zstd", "gzip"}, "cleaned batches keep their codec"
