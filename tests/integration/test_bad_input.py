"""Hostile or broken input: malformed frames close only the offending connection, a corrupted
RecordBatch is refused with CORRUPT_MESSAGE and not appended, and a bad configuration value
stops start-up with a message naming the key."""

import struct
import threading
import time

import pytest

import kafka_wire as kw
from helpers import create_topic, rdkafka_conf, scaled

CORRUPT_MESSAGE = 2


class BackgroundProducer(threading.Thread):
    """A confluent-kafka producer producing steadily until stopped; counts deliveries/errors."""

    def __init__(self, broker, topic):
        super().__init__(daemon=True)
        from confluent_kafka import Producer

        self.producer = Producer(rdkafka_conf(broker, extra={"acks": "1", "linger.ms": 1}))
        self.topic = topic
        self.stop_event = threading.Event()
        self.sent = 0
        self.delivered = 0
        self.errors = []

    def _dr(self, err, msg):
        if err is not None:
            self.errors.append(err)
        else:
            self.delivered += 1

    def run(self):
        while not self.stop_event.is_set():
            self.producer.produce(self.topic, value=f"bg-{self.sent}".encode(), on_delivery=self._dr)
            self.sent += 1
            self.producer.poll(0.005)

    def finish(self):
        self.stop_event.set()
        self.join(timeout=10)
        left = self.producer.flush(scaled(30))
        return left


def latest_offset(broker, topic, partition=0):
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        corr, res = kw.parse_list_offsets_v1_response(c.roundtrip(kw.list_offsets_v1(7, topic, partition)))
    assert corr == 7
    r = res[(topic, partition)]
    assert r["error_code"] == 0, r
    return r["offset"]


def watermarks(broker, topic, partition=0):
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-wm"}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=scaled(10))
    finally:
        c.close()


MALFORMED = {
    # size prefix far above socket.request.max.bytes (104857600)
    "huge_size": struct.pack(">i", 2**31 - 1) + b"\x00" * 64,
    # negative size
    "negative_size": struct.pack(">i", -5) + b"\x00" * 64,
    # well-framed request with an api key nobody defines
    "unknown_api_key": kw.request(0x7ABC, 0, 1, b"garbage-body"),
    # a known api (Produce) at a version far outside the advertised range
    "unsupported_version": kw.request(kw.API_PRODUCE, 999, 1, b"\x00" * 32),
    # header shorter than api_key + api_version + correlation_id
    "short_header": struct.pack(">i", 3) + b"\x00\x00\x00",
    # Produce v3 whose topic array claims 2^31-1 entries in a 40-byte body
    "lying_array_count": kw.request(kw.API_PRODUCE, 3, 1, kw.string(None) + struct.pack(">hii", 1, 1000, 2**31 - 1) + b"\x00" * 30),
}


def test_malformed_frames_close_connection_others_unaffected(broker):
    topic = "bad-frames"
    create_topic(broker, topic, partitions=1)
    bg = BackgroundProducer(broker, topic)
    bg.start()
    try:
        time.sleep(0.5)
        for name, frame in MALFORMED.items():
            before = bg.delivered
            with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
                c.send(frame)
                assert c.wait_closed(timeout=scaled(10)), f"{name}: broker kept the connection open"
            # The good client still makes progress after each bad connection.
            deadline = time.monotonic() + scaled(10)
            while bg.delivered <= before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert bg.delivered > before, f"background producer stalled after {name}"
            assert broker.running, f"broker died on {name}"
    finally:
        left = bg.finish()
    assert left == 0 and not bg.errors, f"undelivered {left}, errors {bg.errors[:5]}"
    assert bg.delivered == bg.sent
    assert watermarks(broker, topic) == (0, bg.sent)


def test_garbage_after_valid_request_closes(broker):
    """A valid ApiVersions request is answered; garbage that follows closes the connection."""
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        corr, err, apis = kw.parse_api_versions_v0_response(c.roundtrip(kw.api_versions_v0(42)))
        assert corr == 42 and err == 0
        assert apis[kw.API_PRODUCE][0] <= 3 <= apis[kw.API_PRODUCE][1]
        c.send(MALFORMED["unknown_api_key"])
        assert c.wait_closed(timeout=scaled(10))


def _produce_raw(broker, topic, batch, corr):
    with kw.Conn("127.0.0.1", broker.plaintext_port) as c:
        rcorr, res, _ = kw.parse_produce_v3_response(c.roundtrip(kw.produce_v3(corr, topic, 0, batch)))
    assert rcorr == corr
    return res[(topic, 0)]


def test_corrupt_batch_rejected_valid_batch_accepted(broker):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    topic = "crc-topic"
    create_topic(broker, topic, partitions=1)

    batch = kw.record_batch([(b"key", b"hand-made value", [("h", b"v")])])
    assert kw.batch_crc_ok(batch)
    value_at = batch.index(b"hand-made value")

    corrupted = {
        "crc_flipped": kw.flip_byte(batch, kw.BATCH_CRC_OFFSET + 2),
        "payload_flipped": kw.flip_byte(batch, value_at + 3, 0x01),
        "timestamp_flipped": kw.flip_byte(batch, 27 + 7, 0x01),  # inside BaseTimestamp, CRC-covered
    }
    for name, bad in corrupted.items():
        assert not kw.batch_crc_ok(bad)
        before = latest_offset(broker, topic)
        r = _produce_raw(broker, topic, bad, corr=100)
        assert r["error_code"] == CORRUPT_MESSAGE, f"{name}: {r}"
        assert latest_offset(broker, topic) == before, f"{name}: log end moved"
    assert watermarks(broker, topic) == (0, 0)

    # The same batch with its correct CRC goes in at offset 0.
    r = _produce_raw(broker, topic, batch, corr=101)
    assert r["error_code"] == 0 and r["base_offset"] == 0, r
    assert latest_offset(broker, topic) == 1
    assert watermarks(broker, topic) == (0, 1)

    # ... and a second valid one at offset 1.
    r = _produce_raw(broker, topic, kw.record_batch([(None, b"second", [])]), corr=102)
    assert r["error_code"] == 0 and r["base_offset"] == 1, r

    c = Consumer(rdkafka_conf(broker, extra={"group.id": "unused-crc", "enable.auto.commit": False}))
    got = []
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        deadline = time.monotonic() + scaled(20)
        while len(got) < 2 and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                got.append(m)
    finally:
        c.close()
    assert [(m.offset(), m.key(), m.value()) for m in got] == [(0, b"key", b"hand-made value"), (1, None, b"second")]
    assert got[0].headers() == [("h", b"v")]


def test_bad_config_value_stops_startup(broker_factory):
    b = broker_factory(extra_args=["--override", "num.partitions=abc"], start=False)
    rc = b.start_expecting_exit(scaled(20))
    assert rc != 0, "broker accepted num.partitions=abc"
    assert "num.partitions" in b.log_text(), b.log_tail(40)


@pytest.mark.parametrize("key,value", [("broker.id", "x1"), ("listeners", "PLAINTEXT://127.0.0.1:notaport")])
def test_bad_config_values_in_file(broker_factory, key, value):
    b = broker_factory(overrides={key: value}, start=False)
    rc = b.start_expecting_exit(scaled(20))
    assert rc != 0, f"broker accepted {key}={value}"
    assert key in b.log_text(), b.log_tail(40)
