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


# ---------------------------------------------------------------------------------------------
# Group coordinator APIs (non-flexible versions): FindCoordinator v0-2, JoinGroup v0-5,
# SyncGroup v0-3, Heartbeat v0-3, LeaveGroup v0-3, OffsetCommit v2-7, OffsetFetch v1-5,
# DescribeGroups v0-4, ListGroups v0-2, DeleteGroups v0-1, OffsetDelete v0, and the consumer
# protocol's subscription / assignment bytes. Field facts: Kafka's
# clients/src/main/resources/common/message/*.json. Encoders return whole frames (request());
# parsers take the response payload (after the size prefix), check that nothing trails and return
# dicts with the correlation id under "corr".

API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16
API_DELETE_GROUPS = 42
API_OFFSET_DELETE = 47


class GroupReader(Reader):
    """Reader plus the pieces the group responses need."""

    def bytes_(self):
        n = self.i32()
        if n < 0:
            return None
        b = self.data[self.pos : self.pos + n]
        assert len(b) == n, "bytes field runs past the end of the response"
        self.pos += n
        return bytes(b)

    def array(self, item):
        n = self.i32()
        return None if n < 0 else [item() for _ in range(n)]

    def done(self, what):
        assert self.remaining() == 0, f"{self.remaining()} trailing bytes in {what} response"


def _garray(items, enc):
    """int32-counted array (None = null, count -1)."""
    if items is None:
        return struct.pack(">i", -1)
    items = list(items)
    return struct.pack(">i", len(items)) + b"".join(enc(x) for x in items)


def consumer_subscription(topics, user_data=None, version=0):
    """ConsumerProtocolSubscription: int16 version, [topic], nullable bytes user data."""
    return struct.pack(">h", version) + _garray(topics, string) + nbytes(user_data)


def consumer_assignment(partitions, user_data=None, version=0):
    """ConsumerProtocolAssignment: int16 version, [topic, [int32 partition]], user data.
    partitions: {topic: [partition, ...]}."""
    body = _garray(
        sorted(partitions.items()),
        lambda tp: string(tp[0]) + _garray(tp[1], lambda p: struct.pack(">i", p)),
    )
    return struct.pack(">h", version) + body + nbytes(user_data)


def find_coordinator_req(corr, key, version=0, key_type=0, client_id="cafka-test"):
    body = string(key)
    if version >= 1:
        body += struct.pack(">b", key_type)
    return request(API_FIND_COORDINATOR, version, corr, body, client_id)


def parse_find_coordinator(payload, version=0):
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    out["error"] = r.i16()
    if version >= 1:
        out["error_message"] = r.string()
    out["node_id"], out["host"], out["port"] = r.i32(), r.string(), r.i32()
    r.done("FindCoordinator")
    return out


def join_group_req(corr, version, group, member_id, protocols, session_timeout_ms=10000,
                   rebalance_timeout_ms=None, protocol_type="consumer", instance_id=None,
                   client_id="cafka-test"):
    """protocols: [(name, metadata bytes)]; rebalance_timeout_ms (v1+) defaults to the session
    timeout; instance_id (group.instance.id) exists from v5."""
    body = string(group) + struct.pack(">i", session_timeout_ms)
    if version >= 1:
        body += struct.pack(">i", session_timeout_ms if rebalance_timeout_ms is None else rebalance_timeout_ms)
    body += string(member_id)
    if version >= 5:
        body += string(instance_id)
    body += string(protocol_type)
    body += _garray(protocols, lambda p: string(p[0]) + nbytes(p[1]))
    return request(API_JOIN_GROUP, version, corr, body, client_id)


def parse_join_group(payload, version):
    """-> {"corr", "error", "generation", "protocol", "leader", "member_id",
    "members": [(member_id, instance_id (v5+, else None), metadata)]}"""
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 2:
        out["throttle_ms"] = r.i32()
    out["error"], out["generation"] = r.i16(), r.i32()
    out["protocol"], out["leader"], out["member_id"] = r.string(), r.string(), r.string()
    out["members"] = r.array(lambda: (r.string(), r.string() if version >= 5 else None, r.bytes_()))
    r.done("JoinGroup")
    return out


def sync_group_req(corr, version, group, generation, member_id, assignments=(), instance_id=None,
                   client_id="cafka-test"):
    """assignments: [(member_id, assignment bytes)] (the leader's)."""
    body = string(group) + struct.pack(">i", generation) + string(member_id)
    if version >= 3:
        body += string(instance_id)
    body += _garray(assignments, lambda a: string(a[0]) + nbytes(a[1]))
    return request(API_SYNC_GROUP, version, corr, body, client_id)


def parse_sync_group(payload, version):
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    out["error"], out["assignment"] = r.i16(), r.bytes_()
    r.done("SyncGroup")
    return out


def heartbeat_req(corr, version, group, generation, member_id, instance_id=None, client_id="cafka-test"):
    body = string(group) + struct.pack(">i", generation) + string(member_id)
    if version >= 3:
        body += string(instance_id)
    return request(API_HEARTBEAT, version, corr, body, client_id)


def parse_heartbeat(payload, version):
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    out["error"] = r.i16()
    r.done("Heartbeat")
    return out


def leave_group_req(corr, version, group, members, client_id="cafka-test"):
    """v0-2: members is one member id; v3: [(member_id, instance_id or None)]."""
    body = string(group)
    if version >= 3:
        body += _garray(members, lambda m: string(m[0]) + string(m[1]))
    else:
        body += string(members)
    return request(API_LEAVE_GROUP, version, corr, body, client_id)


def parse_leave_group(payload, version):
    """-> {"corr", "error", "members": [(member_id, instance_id, error)] (v3)}"""
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    out["error"] = r.i16()
    if version >= 3:
        out["members"] = r.array(lambda: (r.string(), r.string(), r.i16()))
    r.done("LeaveGroup")
    return out


def offset_commit_req(corr, version, group, offsets, generation=-1, member_id="", instance_id=None,
                      retention_ms=-1, client_id="cafka-test"):
    """OffsetCommit v2-7. offsets: {(topic, partition): (offset, metadata[, leader_epoch])};
    the leader epoch (v6+) defaults to -1."""
    assert 2 <= version <= 7
    by_topic = {}
    for (t, p), v in sorted(offsets.items()):
        by_topic.setdefault(t, []).append((p, v))
    body = string(group) + struct.pack(">i", generation) + string(member_id)
    if version >= 7:
        body += string(instance_id)
    if version <= 4:
        body += struct.pack(">q", retention_ms)

    def part(pv):
        p, v = pv
        out = struct.pack(">iq", p, v[0])
        if version >= 6:
            out += struct.pack(">i", v[2] if len(v) > 2 else -1)
        return out + string(v[1])

    body += _garray(by_topic.items(), lambda tp: string(tp[0]) + _garray(tp[1], part))
    return request(API_OFFSET_COMMIT, version, corr, body, client_id)


def parse_offset_commit(payload, version):
    """-> {"corr", "errors": {(topic, partition): error}, "order": [(topic, partition)]}"""
    r = GroupReader(payload)
    out = {"corr": r.i32(), "errors": {}, "order": []}
    if version >= 3:
        out["throttle_ms"] = r.i32()
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out["errors"][(t, p)] = r.i16()
            out["order"].append((t, p))
    r.done("OffsetCommit")
    return out


def offset_fetch_req(corr, version, group, topics, client_id="cafka-test"):
    """OffsetFetch v1-5. topics: {topic: [partitions]}, or None (v2+) for every committed offset."""
    assert 1 <= version <= 5
    body = string(group)
    body += _garray(
        None if topics is None else sorted(topics.items()),
        lambda tp: string(tp[0]) + _garray(tp[1], lambda p: struct.pack(">i", p)),
    )
    return request(API_OFFSET_FETCH, version, corr, body, client_id)


def parse_offset_fetch(payload, version):
    """-> {"corr", "error" (v2+, else None), "offsets": {(topic, partition):
    {"offset", "leader_epoch" (v5+, else None), "metadata", "error"}}}"""
    r = GroupReader(payload)
    out = {"corr": r.i32(), "offsets": {}, "error": None}
    if version >= 3:
        out["throttle_ms"] = r.i32()
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            e = {"offset": r.i64(), "leader_epoch": r.i32() if version >= 5 else None}
            e["metadata"], e["error"] = r.string(), r.i16()
            out["offsets"][(t, p)] = e
    if version >= 2:
        out["error"] = r.i16()
    r.done("OffsetFetch")
    return out


def describe_groups_req(corr, version, groups, include_authorized_operations=False, client_id="cafka-test"):
    body = _garray(groups, string)
    if version >= 3:
        body += struct.pack(">b", 1 if include_authorized_operations else 0)
    return request(API_DESCRIBE_GROUPS, version, corr, body, client_id)


def parse_describe_groups(payload, version):
    """-> {"corr", "groups": [{"error", "group_id", "state", "protocol_type", "protocol",
    "members": [{"member_id", "instance_id" (v4+), "client_id", "client_host", "metadata",
    "assignment"}], "authorized_operations" (v3+)}]}"""
    r = GroupReader(payload)
    out = {"corr": r.i32(), "groups": []}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    for _ in range(r.i32()):
        g = {"error": r.i16(), "group_id": r.string(), "state": r.string()}
        g["protocol_type"], g["protocol"] = r.string(), r.string()
        members = []
        for _ in range(r.i32()):
            m = {"member_id": r.string(), "instance_id": r.string() if version >= 4 else None}
            m["client_id"], m["client_host"] = r.string(), r.string()
            m["metadata"], m["assignment"] = r.bytes_(), r.bytes_()
            members.append(m)
        g["members"] = members
        if version >= 3:
            g["authorized_operations"] = r.i32()
        out["groups"].append(g)
    r.done("DescribeGroups")
    return out


def list_groups_req(corr, version, client_id="cafka-test"):
    assert 0 <= version <= 2
    return request(API_LIST_GROUPS, version, corr, b"", client_id)


def parse_list_groups(payload, version):
    """-> {"corr", "error", "groups": {group_id: protocol_type}}"""
    r = GroupReader(payload)
    out = {"corr": r.i32()}
    if version >= 1:
        out["throttle_ms"] = r.i32()
    out["error"] = r.i16()
    out["groups"] = dict(r.array(lambda: (r.string(), r.string())))
    r.done("ListGroups")
    return out


def delete_groups_req(corr, version, groups, client_id="cafka-test"):
    assert 0 <= version <= 1
    return request(API_DELETE_GROUPS, version, corr, _garray(groups, string), client_id)


def parse_delete_groups(payload, version):
    """-> {"corr", "results": [(group_id, error)]} in response order"""
    r = GroupReader(payload)
    out = {"corr": r.i32(), "throttle_ms": r.i32()}
    out["results"] = r.array(lambda: (r.string(), r.i16()))
    r.done("DeleteGroups")
    return out


def offset_delete_req(corr, group, partitions, client_id="cafka-test"):
    """OffsetDelete v0. partitions: {topic: [partitions]}"""
    body = string(group) + _garray(
        sorted(partitions.items()),
        lambda tp: string(tp[0]) + _garray(tp[1], lambda p: struct.pack(">i", p)),
    )
    return request(API_OFFSET_DELETE, 0, corr, body, client_id)


def parse_offset_delete(payload):
    """-> {"corr", "error", "errors": {(topic, partition): error}}"""
    r = GroupReader(payload)
    out = {"corr": r.i32(), "error": r.i16(), "throttle_ms": r.i32(), "errors": {}}
    for _ in range(r.i32()):
        t = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            out["errors"][(t, p)] = r.i16()
    r.done("OffsetDelete")
    return out


# ---------------------------------------------------------------------------------------------
# Flexible (KIP-482) encodings (also used by test_alter_isr) and the SCRAM credential APIs (AlterUserScramCredentials 51 and
# DescribeUserScramCredentials 50, both flexible from v0). Field facts: Kafka's
# clients/src/main/resources/common/message/*UserScramCredentials*.json.

API_DESCRIBE_USER_SCRAM_CREDENTIALS = 50
API_ALTER_USER_SCRAM_CREDENTIALS = 51


def uvarint(n):
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


compact_bytes = compact_string


def compact_array(items, enc=bytes):
    """Compact array of @p items, each encoded by @p enc (already-encoded bytes by default);
    None = null."""
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(i) for i in items)


def request_flexible(api_key, api_version, correlation_id, body, client_id="cafka-test"):
    """Request header v2 (client id stays an int16 string, then no tagged fields) + body."""
    msg = struct.pack(">hhi", api_key, api_version, correlation_id) + string(client_id) + b"\0" + body
    return struct.pack(">i", len(msg)) + msg


class FlexReader(Reader):
    def uvarint(self):
        n, shift = 0, 0
        while True:
            b = self.i8() & 0xFF
            n |= (b & 0x7F) << shift
            if b < 0x80:
                return n
            shift += 7

    def cstring(self):
        n = self.uvarint() - 1
        if n < 0:
            return None
        s = self.data[self.pos : self.pos + n].decode()
        self.pos += n
        return s

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.pos += self.uvarint()

    def carray(self, item):
        n = self.uvarint() - 1
        return None if n < 0 else [item() for _ in range(n)]


def alter_user_scram_credentials_req(corr, upsertions=(), deletions=()):
    """upsertions: (user, mechanism 1|2, iterations, salt, salted_password); deletions:
    (user, mechanism)."""
    dels = compact_array(list(deletions), lambda d: compact_string(d[0]) + struct.pack(">b", d[1]) + b"\0")
    ups = compact_array(list(upsertions), lambda u: compact_string(u[0]) + struct.pack(">bi", u[1], u[2])
                        + compact_bytes(u[3]) + compact_bytes(u[4]) + b"\0")
    return request_flexible(API_ALTER_USER_SCRAM_CREDENTIALS, 0, corr, dels + ups + b"\0")


def parse_alter_user_scram_credentials(payload):
    """-> {"corr": id, "results": {user: (error_code, error_message)}}"""
    r = FlexReader(payload)
    corr = r.i32()
    r.tags()
    r.i32()  # throttle
    results = {}
    for _ in range(r.uvarint() - 1):
        user, code, msg = r.cstring(), r.i16(), r.cstring()
        r.tags()
        results[user] = (code, msg)
    r.tags()
    assert r.remaining() == 0
    return {"corr": corr, "results": results}


def describe_user_scram_credentials_req(corr, users=None):
    body = compact_array(None if users is None else list(users), lambda u: compact_string(u) + b"\0") + b"\0"
    return request_flexible(API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, corr, body)


def parse_describe_user_scram_credentials(payload):
    """-> {"corr", "error_code", "results": [(user, error_code, error_message, [(mechanism, iterations)])]}"""
    r = FlexReader(payload)
    corr = r.i32()
    r.tags()
    r.i32()
    code, _msg = r.i16(), r.cstring()
    results = []
    for _ in range(r.uvarint() - 1):
        user, ucode, umsg = r.cstring(), r.i16(), r.cstring()
        infos = []
        for _ in range(r.uvarint() - 1):
            infos.append((r.i8(), r.i32()))
            r.tags()
        r.tags()
        results.append((user, ucode, umsg, infos))
    r.tags()
    assert r.remaining() == 0
    return {"corr": corr, "error_code": code, "results": results}
