#!/usr/bin/python3
"""Write the generated seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

usage: /usr/bin/python3 tests/fuzz/seeds.py [CORPUS_DIR]

Every seed is written by a Python encoder of Kafka's formats (this file and the integration
tests' tests/integration/kafka_wire.py), never by the C code under test: requests and responses of every API and version from src/proto/apis.spec (read with
scripts/gen-proto.py's parser), RecordBatch v2 and message format v0/v1 (CRC-32C, CRC-32, the
four codecs), Kafka's znode payloads (zk-schema's examples and the ACL, change and user
payloads), __consumer_offsets keys and values, SASL messages (SCRAM proofs computed with
hashlib), JAAS lines and server.properties files (config/*.properties). Seeds are files named
seed-*; crash reproducers that scripts/fuzz.sh keeps sit beside them under other names, and this
script never touches those. Needs python3-snappy, python3-lz4, python3-zstandard
(scripts/install-deps.sh installs them).
"""
import base64
import glob
import hashlib
import hmac
import importlib.util
import os
import struct
import sys
import zlib

import lz4.frame
import snappy
import zstandard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import kafka_wire as kw  # noqa: E402  (the tests' wire encoders: CRC-32C, varints, records)


def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def u32(v): return struct.pack(">I", v)


def kstr(s, flex=False):  # STRING / COMPACT_STRING; None = null
    return kw.compact_string(s) if flex else kw.string(s)


def kbytes(b, flex=False):
    return kw.compact_bytes(b) if flex else kw.nbytes(b)


# ---------------------------------------------------------------- RecordBatch v2, v0/v1 sets

def record(i, key, value, headers=(), ts_delta=None):
    return kw.encode_record(i, key, value, headers, 10 * i if ts_delta is None else ts_delta)


def xerial(data):
    out = b"\x82SNAPPY\x00" + i32(1) + i32(1)
    for at in range(0, max(len(data), 1), 32 * 1024):
        block = snappy.compress(data[at:at + 32 * 1024])
        out += i32(len(block)) + block
    return out


def compress(codec, data):
    return {1: lambda d: zlib.compress(d, wbits=31), 2: xerial, 3: lz4.frame.compress,
            4: zstandard.ZstdCompressor().compress}[codec](data)


def batch(records, codec=0, base_ts=1700000000000, max_ts=None, producer=(-1, -1, -1),
          attributes=0):
    n = len(records)
    section = b"".join(records)
    if codec:
        section = compress(codec, section)
    after_crc = (i16(attributes | codec) + i32(n - 1) + i64(base_ts) +
                 i64(base_ts + 10 * (n - 1) if max_ts is None else max_ts) +
                 i64(producer[0]) + i16(producer[1]) + i32(producer[2]) + i32(n) + section)
    rest = i32(-1) + i8(2) + u32(kw.crc32c(after_crc)) + after_crc  # epoch, magic, crc
    return i64(0) + i32(len(rest)) + rest


def legacy_entry(magic, key, value, offset=0, codec=0, ts=1700000000000):
    body = i8(magic) + i8(codec) + (i64(ts) if magic == 1 else b"") + kbytes(key) + kbytes(value)
    entry = u32(zlib.crc32(body)) + body
    return i64(offset) + i32(len(entry)) + entry


def simple_records(n=3, null_key=False):
    return [record(i, None if null_key and i == 1 else b"k%d" % i, b"value-%d" % i,
                   [(b"h", b"%d" % i)] if i % 2 == 0 else ()) for i in range(n)]


def records_seeds():
    producer = 5 << 3  # compression.type=producer: keep the batch's codec
    s = {}
    for codec in range(5):
        s[f"v2-codec{codec}"] = bytes([0x01 | producer]) + batch(simple_records(), codec)
    s["v2-one-record"] = b"\x01" + batch([record(0, b"key", b"value")])
    s["v2-null-key-compacted"] = bytes([0x01 | 0x04 | producer]) + batch(simple_records(3, True))
    s["v2-tombstone"] = bytes([0x01 | producer]) + batch([record(0, b"k", None)])
    s["v2-idempotent"] = bytes([0x01 | producer]) + batch(simple_records(), 0,
                                                          producer=(1000, 0, 0))
    s["v2-max-timestamp-wrong"] = bytes([0x01 | producer]) + batch(simple_records(), max_ts=5)
    s["v2-timestamps-negative"] = bytes([0x01 | producer]) + batch(
        [record(0, b"a", b"b", ts_delta=-5), record(1, b"c", b"d", ts_delta=7)], base_ts=-1)
    s["v2-timestamp-overflow"] = bytes([0x01 | producer]) + batch(  # base + delta > INT64_MAX
        [record(0, b"a", b"b", ts_delta=0), record(1, b"c", b"d", ts_delta=1 << 62)],
        base_ts=(1 << 63) - 5, max_ts=0)
    for target in range(5):
        s[f"v2-gzip-to-{target}"] = bytes([0x01 | target << 3]) + batch(simple_records(), 1)
    s["v2-lz4-small-max"] = bytes([0x01 | producer | 1 << 6]) + batch(simple_records(20), 3)
    s["v2-bad-crc"] = bytes([producer]) + batch(simple_records())[:-1] + b"\x00"
    for magic in (0, 1):
        entries = b"".join(legacy_entry(magic, b"k%d" % i, b"v%d" % i, i) for i in range(3))
        s[f"legacy-v{magic}"] = bytes([0x03 | producer]) + entries
        s[f"legacy-v{magic}-null-key"] = bytes([0x03 | producer]) + legacy_entry(magic, None, b"v")
        for codec in (1, 2, 3):
            wrapper = legacy_entry(magic, None, compress(codec, entries), 2, codec)
            s[f"legacy-v{magic}-codec{codec}"] = bytes([0x03 | producer]) + wrapper
    return s


# ---------------------------------------------------------------- requests and responses

def load_spec():
    spec = importlib.util.spec_from_file_location("gen_proto",
                                                  os.path.join(ROOT, "scripts", "gen-proto.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.parse(os.path.join(ROOT, "src", "proto", "apis.spec"))


SCALARS = {"int8": i8, "int16": i16, "int32": i32, "int64": i64, "bool": lambda v: i8(1 if v else 0)}
EXAMPLE_BATCH = batch(simple_records(2))


def enc_fields(fields, v, flex, variant):
    """variant: 'empty' (arrays empty, strings ""), 'nulls' (nullable fields null), 'one' (one
    element per array, strings and bytes set, an unknown tagged field in flexible versions)."""
    out = b""
    for f in fields:
        if not (f.vmin <= v <= f.vmax):
            continue
        null = variant == "nulls" and v >= f.nullable_from
        t = f.typ
        if t.startswith("[]"):
            elem = t[2:]
            if null:
                out += kw.uvarint(0) if flex else i32(-1)
                continue
            n = 1 if variant == "one" else 0
            out += kw.uvarint(n + 1) if flex else i32(n)
            for _ in range(n):
                if elem in SCALARS:
                    out += SCALARS[elem](1)
                elif elem == "string":
                    out += kstr(f.name.replace("_", "-"), flex)
                else:
                    out += enc_fields(f.children, v, flex, variant)
                    out += tags(flex, variant)
        elif t in SCALARS:
            out += SCALARS[t](1)
        elif t in ("string", "nstring"):
            out += kstr(None if null else f.name.replace("_", "-") if variant == "one" else "", flex)
        elif t in ("bytes", "nbytes"):
            out += kbytes(None if null else b"\x00\x01\x02" if variant == "one" else b"", flex)
        elif t == "records":
            out += kbytes(None if null else EXAMPLE_BATCH if variant == "one" else b"", flex)
        else:
            raise SystemExit(f"seeds.py: unknown type {t}")
    return out


def tags(flex, variant):
    if not flex:
        return b""
    if variant == "one":  # one tagged field the decoder does not know: skipped
        return kw.uvarint(1) + kw.uvarint(0) + kw.uvarint(2) + b"\xAB\xCD"
    return kw.uvarint(0)


def api_seeds():
    req, resp = {}, {}
    for api in load_spec():
        for v in range(api.vmin, api.vmax + 1):
            flex = v >= api.flex
            for variant in ("empty", "nulls", "one"):
                name = f"{api.snake}-v{v}-{variant}"
                body = enc_fields(api.msgs["request"].children, v, flex, variant) + tags(flex, variant)
                header = i16(api.key) + i16(v) + i32(7) + kstr("fuzz-seed")
                if flex or (api.key == 18 and v >= 3):
                    header += tags(True, variant)
                req[name] = header + body
                body = enc_fields(api.msgs["response"].children, v, flex, variant) + tags(flex, variant)
                resp[name] = i16(api.key) + i16(v) + body
        # a version above the range (ApiVersions answers it, KIP-511)
        req[f"{api.snake}-v{api.vmax + 1}-unsupported"] = (i16(api.key) + i16(api.vmax + 1) +
                                                           i32(8) + kstr(None))
    return req, resp


# ---------------------------------------------------------------- znodes

ACL_JSON = ('{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow",'
            '"operation":"Read","host":"*"},{"principal":"User:*","permissionType":"Deny",'
            '"operation":"Write","host":"10.0.0.1"},{"principal":"User:bob",'
            '"permissionType":"Allow","operation":"IdempotentWrite","host":"*"}]}')
USER_JSON = (
    '{"version":1,"config":{"SCRAM-SHA-256":"salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key='
    'WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrm'
    'fPwDl2dU=,iterations=4096","SCRAM-SHA-512":"salt=MWFiMmNkM2VmNGdoNWlqNmtsN21uOG9wOXE=,'
    'stored_key=Ikko9hdVy81bCCEv13LMEaEpCm9jJsKmTgxqIparJJD0g3DtYPcvJ1YlTXpGtxzaKkrIp2S7+h+AReBA'
    'vOapOg==,server_key=K4ErQSXuFmFbtXHH8uqxzVRPCeQ3bd4/7DZGXghYkkDOA9x8OKvG/BLkUzsdVG5szLaDKsbI'
    '1H3w1bmX8vNM3g==,iterations=8192","producer_byte_rate":"1024"}}')


def znode_seeds():
    s = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "zk-schema", "*.example.json"))):
        s[os.path.basename(path)[:-len(".example.json")]] = open(path, "rb").read()
    extra = {
        "acl": ACL_JSON,
        "acl-empty": '{"version":1,"acls":[]}',
        "acl-change-literal": "Topic:orders",
        "acl-change-literal-enum": "TRANSACTIONAL_ID:tx-1",
        "acl-change-extended": ('{"version":1,"resourceType":"TOPIC","name":"pay-",'
                                '"patternType":"PREFIXED"}'),
        "acl-path-literal": "/kafka-acl/Topic/orders",
        "acl-path-prefixed": "/kafka-acl-extended/prefixed/Group/grp-",
        "config-change-v1": '{"version":1,"entity_type":"topics","entity_name":"orders"}',
        "config-change-v2-user": '{"version":2,"entity_path":"users/alice%40example.com"}',
        "config-change-v2-client": '{"version":2,"entity_path":"users/alice/clients/app"}',
        "config-change-name": "config_change_0000000012",
        "user-scram": USER_JSON,
        "topic-v1": '{"version":1,"partitions":{"1":[2,3],"0":[1,2]}}',
        "partition-state-empty-isr": ('{"controller_epoch":1,"leader":-1,"version":1,'
                                      '"leader_epoch":3,"isr":[]}'),
        "producer-id-block-empty": "",
        "sanitized-name": "alice%40example.com%2A",
    }
    for k, v in extra.items():
        s[k] = v.encode()
    return s


# ---------------------------------------------------------------- __consumer_offsets

def offsets_seeds():
    s = {
        "key-v0": i16(0) + kstr("group-1") + kstr("orders") + i32(3),
        "key-v1": i16(1) + kstr("group-1") + kstr("orders") + i32(0),
        "key-v2": i16(2) + kstr("group-1"),
        "offset-v0": i16(0) + i64(42) + kstr("meta") + i64(1700000000000),
        "offset-v1": i16(1) + i64(42) + kstr("") + i64(1700000000000) + i64(1700086400000),
        "offset-v2": i16(2) + i64(42) + kstr("meta") + i64(1700000000000),
        "offset-v3": i16(3) + i64(42) + i32(5) + kstr("meta") + i64(1700000000000),
    }
    for v in range(4):
        members = b""
        for m in range(2):
            members += kstr(f"member-{m}")
            if v >= 3:
                members += kstr(None if m else "instance-0")
            members += kstr("client") + kstr("/10.0.0.5")
            if v >= 1:
                members += i32(300000)
            members += i32(10000) + kbytes(b"\x00\x01sub") + kbytes(b"\x00\x01assign")
        s[f"group-v{v}"] = (i16(v) + kstr("consumer") + i32(4) + kstr("range") + kstr("member-0") +
                            (i64(1700000000000) if v >= 2 else b"") + i32(2) + members)
        s[f"group-v{v}-empty"] = (i16(v) + kstr("") + i32(0) + kstr(None) + kstr(None) +
                                  (i64(-1) if v >= 2 else b"") + i32(0))
    return s


# ---------------------------------------------------------------- SASL (fuzz_sasl's fixture)

CNONCE = "rOprNGfwEbeRWgbNEkqO"
SNONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"  # fuzz_sasl's server nonce
RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
SALT_512 = b"1ab2cd3ef4gh5ij6kl7mn8op9q"


def scram_final(algo, password, salt, iterations, gs2, bare, nonce_sent):
    """The client-final message for client-first gs2+bare, the fixture's server-first."""
    server_first = f"r={CNONCE}{SNONCE},s={base64.b64encode(salt).decode()},i={iterations}"
    without = f"c={base64.b64encode(gs2.encode()).decode()},r={nonce_sent}"
    auth = f"{bare},{server_first},{without}".encode()
    salted = hashlib.pbkdf2_hmac(algo, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", algo).digest()
    stored = hashlib.new(algo, client_key).digest()
    sig = hmac.new(stored, auth, algo).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    return f"{without},p={base64.b64encode(proof).decode()}"


def two(mode, first, second):
    return mode + struct.pack(">H", len(first)) + first.encode() + second.encode()


def sasl_seeds():
    s = {
        "plain": b"0\x00admin\x00admin-secret",
        "plain-authzid": b"0alice\x00alice\x00alice-secret",
        "plain-authzid-other": b"0admin\x00alice\x00alice-secret",
        "plain-unknown": b"0\x00nobody\x00x",
        "client-rfc7677": two(b"3", f"r={CNONCE}{SNONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                              "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
        "client-error": two(b"3", f"r={CNONCE}{SNONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                            "e=invalid-proof"),
        "credential-256": b"4salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBF"
                          b"zpcXkuLmtbsT4qY=,server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
                          b",iterations=4096",
        "credential-512": b"4" + USER_JSON.split('"SCRAM-SHA-512":"')[1].split('"')[0].encode(),
        "jaas-plain": (b'5org.apache.kafka.common.security.plain.PlainLoginModule required '
                       b'username="admin" password="admin-secret" user_admin="admin-secret";'),
        "jaas-scram": (b'5org.apache.kafka.common.security.scram.ScramLoginModule required '
                       b'username="broker" password="bro\\"ker";'),
    }
    for mode, algo, password, salt, it in ((b"1", "sha256", "pencil", RFC_SALT, 4096),
                                           (b"2", "sha512", "admin-secret", SALT_512, 8192)):
        for name, gs2, nonce in (("", "n,,", f"{CNONCE}{SNONCE}"),
                                 ("-authzid", "n,a=user,", f"{CNONCE}{SNONCE}"),
                                 ("-doubled-nonce", "n,,", f"{CNONCE}{CNONCE}{SNONCE}")):
            bare = f"n=user,r={CNONCE}"
            final = scram_final(algo, password, salt, it, gs2, bare, nonce)
            s[f"scram-{algo}{name}"] = two(mode, gs2 + bare, final)
        s[f"scram-{algo}-extension"] = two(mode, f"n,,n=user,r={CNONCE},ext=1",
                                           "c=biws,r=x,p=AAAA")
        s[f"scram-{algo}-unknown-user"] = two(mode, f"n,,n=no=2Cbody,r={CNONCE}", "c=biws")
    return s


# ---------------------------------------------------------------- server.properties

def config_seeds():
    s = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "*.properties"))):
        s[os.path.basename(path)[:-len(".properties")]] = open(path, "rb").read()
    s["sasl"] = b"""broker.id=3
zookeeper.connect=zk1:2181,zk2:2181/kafka
log.dirs=/data/a, /data/b
listeners=PLAINTEXT://:9092,SASL_PLAINTEXT://[::1]:9192,SASL_SSL://host:9193
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
ssl.keystore.type=PEM
ssl.keystore.location=/etc/cafka/broker.pem
ssl.truststore.location=/etc/cafka/ca.pem
ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";
inter.broker.listener.name=SASL_PLAINTEXT
sasl.mechanism.inter.broker.protocol=PLAIN
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:admin;User:broker
max.connections.per.ip=10
max.connections.per.ip.overrides=127.0.0.1:100,10.0.0.1:5
"""
    s["syntax"] = (b"# comment\n! also a comment \\\nbroker.id : 7\nzookeeper.connect   127.0.0.1:2181\n"
                   b"log.dirs=/tmp/a\\\n   ,/tmp/b\nkey\\=with\\:escapes=value\\twith\\ttabs\n"
                   b"unknown.key=x\r\nnum.partitions=\n")
    s["dynamic"] = (b"broker.id=2\nzookeeper.connect=localhost:2181\nretention.ms=60000\n"
                    b"cleanup.policy=compact,delete\ncompression.type=zstd\nsegment.bytes=1048576\n"
                    b"max.message.bytes=2000000\nmin.insync.replicas=2\nlog.retention.ms=1000\n"
                    b"message.max.bytes=100\nunclean.leader.election.enable=true\n"
                    b"log.segment.bytes=99999999999\n")
    return s


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus")
    req, resp = api_seeds()
    targets = {"request": req, "response": resp, "records": records_seeds(),
               "znode": znode_seeds(), "offsets": offsets_seeds(), "sasl": sasl_seeds(),
               "config": config_seeds()}
    for target, seeds in targets.items():
        folder = os.path.join(corpus, target)
        os.makedirs(folder, exist_ok=True)
        for old in glob.glob(os.path.join(folder, "seed-*")):
            os.remove(old)
        for name, data in seeds.items():
            with open(os.path.join(folder, f"seed-{name}"), "wb") as f:
                f.write(data)
        print(f"seeds.py: {len(seeds):4d} seeds in {os.path.relpath(folder, ROOT)}")


if __name__ == "__main__":
    main()
