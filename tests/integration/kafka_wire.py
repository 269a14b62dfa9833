"""Hand-made Kafka wire protocol pieces for tests that must send what no client would send.

Only what the tests need: CRC-32C, RecordBatch v2 with uncompressed records, Produce v3,
ListOffsets v1, and a tiny blocking connection. Big-endian throughout, as Kafka.
"""

import socket
import struct
import time

# ---------------------------------------------------------------------------------------------
# CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF.

_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the published check value

# ---------------------------------------------------------------------------------------------
# Primitive encoders


def varint(n):
    """ZigZag varint (Kafka's record fields)."""
    z = (n << 1) ^ (n >> 63)
    z &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        if z < 0x80:
            out.append(z)
            return bytes(out)
        out.append((z & 0x7F) | 0x80)
        z >>= 7


def string(s):
    """int16-length string (null = length -1)."""
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">h", len(b)) + b


def nbytes(b):
    """int32-length bytes (null = length -1)."""
    if b is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(b)) + b


# ---------------------------------------------------------------------------------------------
# RecordBatch v2

BATCH_CRC_OFFSET = 17  # CRC field position in the batch
BATCH_CRC_START = 21  # CRC covers attributes .. end


def encode_record(offset_delta, key, value, headers=(), timestamp_delta=0):
    body = bytearray()
    body += b"\x00"  # attributes
    body += varint(timestamp_delta)
    body += varint(offset_delta)
    for field in (key, value):
        if field is None:
            body += varint(-1)
        else:
            body += varint(len(field)) + field
    body += varint(len(headers))
    for hk, hv in headers:
        hkb = hk.encode() if isinstance(hk, str) else hk
        body += varint(len(hkb)) + hkb
        if hv is None:
            body += varint(-1)
        else:
            body += varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def record_batch(records, base_timestamp=None):
    """records: list of (key, value, headers) with bytes key/value (or None).
    Returns a valid uncompressed RecordBatch v2 (BaseOffset 0, no producer id)."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    recs = b"".join(encode_record(i, k, v, h) for i, (k, v, h) in enumerate(records))
    after_crc = struct.pack(
        ">hiqqqhii",
        0,  # attributes: no compression, CreateTime
        len(records) - 1,  # last offset delta
        base_timestamp,
        base_timestamp,  # max timestamp
        -1,  # producer id
        -1,  # producer epoch
        -1,  # base sequence
        len(records),
    ) + recs
    crc = crc32c(after_crc)
    length = 4 + 1 + 4 + len(after_crc)  # epoch + magic + crc + rest
    return struct.pack(">qiibI", 0, length, -1, 2, crc) + after_crc


def batch_crc_ok(batch):
    (crc,) = struct.unpack_from(">I", batch, BATCH_CRC_OFFSET)
    return crc == crc32c(batch[BATCH_CRC_START:])


def flip_byte(data, index, mask=0xFF):
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


# ---------------------------------------------------------------------------------------------
# Requests and responses

API_PRODUCE = 0
API_LIST_OFFSETS = 2
API_METADATA = 3
API_VERSIONS = 18


def request(api_key, api_version, correlation_id, body, client_id="cafka-test"):
    """Request header v1 + body, with the int32 size prefix."""
    msg = struct.pack(">hhi", api_key, api_version, correlation_id) + string(client_id) + body
    return struct.pack(">i", len(msg)) + msg


def produce_v3(correlation_id, topic, partition, batch, acks=1, timeout_ms=10000):
    body = string(None)  # transactional_id
    body += struct.pack(">hi", acks, timeout_ms)
    body += struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">i", partition) + nbytes(batch)
    return request(API_PRODUCE, 3, correlation_id, body)


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def i8(self):
        return self._take(">b")

    def i16(self):
        return self._take(">h")

    def i32(self):
        return self._take(">i")

    def i64(self):
        return self._take(">q")

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.data[self.pos : self.pos + n].decode()
        self.pos += n
        return s

    def remaining(self):
        return len(self.data) - self.pos


def parse_produce_v3_response(payload):
    """payload: response bytes after the size prefix. Returns (correlation_id,
    {(topic, partition): {"error_code", "base_offset", "log_append_time_ms"}}, throttle_ms)."""
    r = Reader(payload)
    corr = r.i32()
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out[(topic, p)] = {
                "error_code": r.i16(),
                "base_offset": r.i64(),
                "log_append_time_ms": r.i64(),
            }
    throttle = r.i32()
    assert r.remaining() == 0, "trailing bytes in Produce v3 response"
    return corr, out, throttle


def list_offsets_v1(correlation_id, topic, partition, timestamp=-1):
    """timestamp -1 = latest (log end / high watermark), -2 = earliest."""
    body = struct.pack(">i", -1)  # replica_id
    body += struct.pack(">i", 1) + string(topic)
    body += struct.pack(">i", 1) + struct.pack(">iq", partition, timestamp)
    return request(API_LIST_OFFSETS, 1, correlation_id, body)


def parse_list_offsets_v1_response(payload):
    r = Reader(payload)
    corr = r.i32()
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out[(topic, p)] = {"error_code": r.i16(), "timestamp": r.i64(), "offset": r.i64()}
    assert r.remaining() == 0, "trailing bytes in ListOffsets v1 response"
    return corr, out


def metadata_v1(correlation_id, topics=None):
    """Metadata v1: topics None = all topics."""
    if topics is None:
        body = struct.pack(">i", -1)
    else:
        body = struct.pack(">i", len(topics)) + b"".join(string(t) for t in topics)
    return request(3, 1, correlation_id, body)


def parse_metadata_v1_response(payload):
    """-> {"brokers": {id: (host, port, rack)}, "controller": id,
           "topics": {name: (error, {partition: (error, leader, replicas, isr)})}}"""
    r = Reader(payload)
    r.i32()  # correlation id
    brokers = {}
    for _ in range(r.i32()):
        node, host, port, rack = r.i32(), r.string(), r.i32(), r.string()
        brokers[node] = (host, port, rack)
    controller = r.i32()
    topics = {}
    for _ in range(r.i32()):
        err, name, _internal = r.i16(), r.string(), r.i8()
        parts = {}
        for _ in range(r.i32()):
            perr, idx, leader = r.i16(), r.i32(), r.i32()
            replicas = [r.i32() for _ in range(r.i32())]
            isr = [r.i32() for _ in range(r.i32())]
            parts[idx] = (perr, leader, replicas, isr)
        topics[name] = (err, parts)
    return {"brokers": brokers, "controller": controller, "topics": topics}


def metadata(port, topics=None, host="127.0.0.1"):
    """One Metadata v1 round trip to the broker at host:port."""
    with Conn(host, port) as c:
        return parse_metadata_v1_response(c.roundtrip(metadata_v1(1, topics)))


def api_versions_v0(correlation_id):
    return request(API_VERSIONS, 0, correlation_id, b"")


def parse_api_versions_v0_response(payload):
    r = Reader(payload)
    corr = r.i32()
    err = r.i16()
    apis = {}
    for _ in range(r.i32()):
        k = r.i16()
        apis[k] = (r.i16(), r.i16())
    return corr, err, apis


# ---------------------------------------------------------------------------------------------
# Connection


class Conn:
    """A blocking loopback connection with a deadline on every read."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout

    def send(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            buf += chunk
        return bytes(buf)

    def recv_response(self):
        (size,) = struct.unpack(">i", self._recv_exact(4))
        assert 0 <= size < 100_000_000, f"bad response size {size}"
        return self._recv_exact(size)

    def roundtrip(self, data):
        self.send(data)
        return self.recv_response()

    def wait_closed(self, timeout=10.0):
        """True if the peer closes (EOF or reset) within timeout; bytes it sends are drained."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
