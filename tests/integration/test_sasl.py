"""SASL listeners (issue 10): SASL_PLAINTEXT and SASL_SSL with PLAIN (users from the listener's
JAAS line) and SCRAM-SHA-256/512 (credentials in /config/users/<user> in Kafka's format, read at
start and followed through /config/changes), driven by librdkafka (SaslHandshake v1 +
SaslAuthenticate), kcat and kafka-python (SaslHandshake v0 + bare tokens); and on the wire:
nothing but ApiVersions and the SASL requests before authentication, Kafka's error codes, a
failed authentication closes the connection, and the pre-authentication frame bound.
"""

import base64
import hashlib
import hmac
import json
import os
import struct

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import kafka_wire as kw
from helpers import BROKER_PORT_BASE, create_topic, kcat, scaled, wait_for

PLAIN_USERS = {"admin": "admin-secret", "alice": "alice-secret"}
API_SASL_HANDSHAKE = 17
API_SASL_AUTHENTICATE = 36
UNSUPPORTED_SASL_MECHANISM = 33
ILLEGAL_SASL_STATE = 34
SASL_AUTHENTICATION_FAILED = 58


def sasl_ports(broker_id):
    return BROKER_PORT_BASE + 40 + 2 * broker_id, BROKER_PORT_BASE + 41 + 2 * broker_id


def plain_jaas(users):
    opts = " ".join(f'user_{u}="{p}"' for u, p in users.items())
    return f'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" {opts};'


def sasl_overrides(broker_id=1, mechanisms="PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"):
    sp, ss = sasl_ports(broker_id)
    base = BROKER_PORT_BASE + 2 * broker_id
    listeners = (f"PLAINTEXT://127.0.0.1:{base},SSL://127.0.0.1:{base + 1},"
                 f"SASL_PLAINTEXT://127.0.0.1:{sp},SASL_SSL://127.0.0.1:{ss}")
    return {
        "listeners": listeners,
        "advertised.listeners": listeners,
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
        "sasl.enabled.mechanisms": mechanisms,
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain_jaas(PLAIN_USERS),
        "listener.name.sasl_ssl.plain.sasl.jaas.config": plain_jaas(PLAIN_USERS),
    }


def scram_credential(mechanism, password, iterations=4096, salt=None):
    """Kafka's ScramCredentialUtils string, computed here as kafka-configs.sh would."""
    h = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}[mechanism]
    salt = salt or os.urandom(24)
    salted = hashlib.pbkdf2_hmac(h, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored_key = hashlib.new(h, client_key).digest()
    server_key = hmac.new(salted, b"Server Key", h).digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"salt={b64(salt)},stored_key={b64(stored_key)},server_key={b64(server_key)},iterations={iterations}"


def write_user(zk, chroot, user, creds, notify=True):
    """Writes /config/users/<user> and, like kafka-configs.sh, a change notification."""
    path = f"{chroot}/config/users/{user}"
    data = json.dumps({"version": 1, "config": creds}).encode()
    if zk.exists(path):
        zk.set(path, data)
    else:
        zk.create(path, data, makepath=True)
    if notify:
        zk.create(f"{chroot}/config/changes/config_change_",
                  json.dumps({"version": 2, "entity_path": f"users/{user}"}).encode(),
                  sequence=True, makepath=True)


def sasl_conf(broker, mechanism, user, password, ssl=False, extra=None):
    sp, ss = sasl_ports(broker.id)
    conf = {
        "bootstrap.servers": f"127.0.0.1:{ss if ssl else sp}",
        "security.protocol": "sasl_ssl" if ssl else "sasl_plaintext",
        "sasl.mechanism": mechanism,
        "sasl.username": user,
        "sasl.password": password,
    }
    if ssl:
        conf["ssl.ca.location"] = str(broker.certs.ca)
    conf.update(extra or {})
    return conf


def produce_consume(conf, topic, start, n=50):
    """n records through a producer and a consumer with @p conf, read back from offset
    @p start; returns the values read."""
    p = Producer({**conf, "acks": "all", "message.timeout.ms": int(scaled(20) * 1000)})
    errors = []
    for i in range(n):
        p.produce(topic, value=b"v%d" % i, partition=0, on_delivery=lambda e, m: e and errors.append(e))
    assert p.flush(scaled(30)) == 0 and errors == [], errors[:3]
    c = Consumer({**conf, "group.id": "unused", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, start)])
    got = []
    try:
        while len(got) < n:
            msgs = c.consume(n - len(got), timeout=scaled(10))
            assert msgs, f"no records after {len(got)}"
            for m in msgs:
                assert m.error() is None, m.error()
                got.append(m.value())
    finally:
        c.close()
    return got


def auth_fails(conf):
    """Errors a producer with @p conf meets before its record is delivered or librdkafka reports
    an authentication failure (empty: delivered)."""
    from confluent_kafka import KafkaError

    errs, delivered = [], []
    p = Producer({**conf, "message.timeout.ms": int(scaled(8) * 1000),
                  "error_cb": lambda e: errs.append(e)})
    p.produce("sasl-t", value=b"x", on_delivery=lambda e, m: errs.append(e) if e else delivered.append(m))

    def settled():
        p.poll(0.1)  # callbacks run only in poll
        return delivered or any(e.code() in (KafkaError._AUTHENTICATION, KafkaError._MSG_TIMED_OUT)
                                for e in errs)

    wait_for(settled, scaled(15), "a delivery or an authentication error")
    p.purge()
    p.flush(scaled(5))
    return errs


@pytest.fixture
def broker(broker_factory, zk, chroot):
    # one SCRAM user exists before the broker starts: read from /config/users at start-up
    write_user(zk, chroot, "carol", {"SCRAM-SHA-512": scram_credential("SCRAM-SHA-512", "carol-secret")},
               notify=False)
    b = broker_factory(1, overrides=sasl_overrides(1))
    create_topic(b, "sasl-t")
    return b


def test_plain_and_scram_clients_on_both_sasl_listeners(broker, zk, chroot):
    write_user(zk, chroot, "bob", {"SCRAM-SHA-256": scram_credential("SCRAM-SHA-256", "bob-secret", 8192)})
    n = 0
    for mech, user, pw, ssl in [("PLAIN", "alice", "alice-secret", False),
                                ("PLAIN", "alice", "alice-secret", True),
                                ("SCRAM-SHA-512", "carol", "carol-secret", True),
                                ("SCRAM-SHA-256", "bob", "bob-secret", False)]:
        # bob's credential arrives through a change notification: wait for it to apply
        conf = sasl_conf(broker, mech, user, pw, ssl)
        if user == "bob":
            wait_for(lambda: not auth_fails(conf), scaled(20), "bob's SCRAM credential applied")
            n += 1
        got = produce_consume(conf, "sasl-t", n)
        n += 50
        assert got == [b"v%d" % i for i in range(50)], (mech, ssl)
    sp, _ = sasl_ports(broker.id)
    out = kcat(["-b", f"127.0.0.1:{sp}", "-X", "security.protocol=sasl_plaintext", "-X",
                "sasl.mechanism=SCRAM-SHA-256", "-X", "sasl.username=bob", "-X", "sasl.password=bob-secret",
                "-C", "-t", "sasl-t", "-p", "0", "-o", "beginning", "-e", "-f", "%o\n"]).stdout.decode()
    assert out.split() == [str(i) for i in range(n)]


def test_kafka_python_authenticates_with_bare_tokens(broker, zk, chroot):
    """kafka-python sends SaslHandshake v0 and then bare length-prefixed tokens (KIP-152's
    original flow) for PLAIN and SCRAM."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KpTopicPartition

    sp, _ = sasl_ports(broker.id)
    for mech, user, pw in [("PLAIN", "alice", "alice-secret"), ("SCRAM-SHA-512", "carol", "carol-secret")]:
        common = dict(bootstrap_servers=f"127.0.0.1:{sp}", security_protocol="SASL_PLAINTEXT",
                      sasl_mechanism=mech, sasl_plain_username=user, sasl_plain_password=pw,
                      api_version=(2, 8))
        p = KafkaProducer(acks="all", **common)
        try:
            offs = [p.send("sasl-t", value=b"kp-%s" % mech.encode(), partition=0).get(timeout=scaled(30)).offset
                    for _ in range(3)]
        finally:
            p.close(timeout=scaled(10))
        c = KafkaConsumer(enable_auto_commit=False, consumer_timeout_ms=int(scaled(10) * 1000), **common)
        try:
            tp = KpTopicPartition("sasl-t", 0)
            c.assign([tp])
            c.seek(tp, offs[0])
            got = []
            for m in c:
                got.append(m.value)
                if m.offset == offs[-1]:
                    break
        finally:
            c.close()
        assert got == [b"kp-%s" % mech.encode()] * 3


def test_wrong_password_unknown_user_and_disabled_mechanism_are_refused(broker):
    """librdkafka reports _AUTHENTICATION with the broker's message, the same for a wrong password
    and for a user that does not exist."""
    from confluent_kafka import KafkaError

    for conf, want in [(sasl_conf(broker, "PLAIN", "alice", "wrong"), "Invalid username or password"),
                       (sasl_conf(broker, "PLAIN", "nobody", "alice-secret"), "Invalid username or password"),
                       (sasl_conf(broker, "SCRAM-SHA-512", "carol", "wrong"), "invalid credentials"),
                       # carol has only a SHA-512 credential
                       (sasl_conf(broker, "SCRAM-SHA-256", "carol", "carol-secret"), "invalid credentials"),
                       (sasl_conf(broker, "SCRAM-SHA-256", "nobody", "x", ssl=True), "invalid credentials")]:
        errs = auth_fails(conf)
        auth = [e for e in errs if e.code() == KafkaError._AUTHENTICATION]
        assert auth and want in auth[0].str(), (conf["sasl.username"], [e.str() for e in errs])


def sasl_handshake(corr, mechanism, version=1):
    return kw.request(API_SASL_HANDSHAKE, version, corr, kw.string(mechanism))


def parse_handshake(payload):
    r = kw.Reader(payload)
    corr, err, n = r.i32(), r.i16(), r.i32()
    mechs = [r.string() for _ in range(n)]
    assert r.remaining() == 0
    return corr, err, mechs


def sasl_authenticate(corr, token, version=1):
    return kw.request(API_SASL_AUTHENTICATE, version, corr, struct.pack(">i", len(token)) + token)


def parse_authenticate(payload):
    """SaslAuthenticate v1 response -> (correlation id, error code, error message, auth bytes)."""
    r = kw.Reader(payload)
    corr, err, msg = r.i32(), r.i16(), r.string()
    n = r.i32()
    token = r._take(f">{n}s") if n > 0 else b""
    r.i64()  # session_lifetime_ms
    assert r.remaining() == 0
    return corr, err, msg, token


def test_wire_rules_before_and_after_authentication(broker):
    sp, _ = sasl_ports(broker.id)
    host = "127.0.0.1"
    # 1. anything but ApiVersions / SaslHandshake / SaslAuthenticate closes the connection
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        apis = kw.parse_api_versions_v0_response(c.roundtrip(kw.api_versions_v0(1)))
        c.send(kw.metadata_v1(2, topics=[]))
        assert c.wait_closed(scaled(10)), "Metadata before authentication must close the connection"
    # 2. a mechanism that is not enabled: UNSUPPORTED_SASL_MECHANISM with the list, then closed
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        corr, err, mechs = parse_handshake(c.roundtrip(sasl_handshake(7, "GSSAPI")))
        assert (corr, err, mechs) == (7, UNSUPPORTED_SASL_MECHANISM, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
        assert c.wait_closed(scaled(10))
    # 3. PLAIN over SaslAuthenticate v1: wrong password -> 58 and closed
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        assert parse_handshake(c.roundtrip(sasl_handshake(1, "PLAIN")))[1] == 0
        corr, err, msg, _ = parse_authenticate(c.roundtrip(sasl_authenticate(2, b"\0alice\0nope")))
        assert (corr, err) == (2, SASL_AUTHENTICATION_FAILED)
        assert msg == "Authentication failed: Invalid username or password"
        assert c.wait_closed(scaled(10))
    # 4. an authorization id other than the user (CVE-2017-12610) is refused
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        assert parse_handshake(c.roundtrip(sasl_handshake(1, "PLAIN")))[1] == 0
        _, err, msg, _ = parse_authenticate(c.roundtrip(sasl_authenticate(2, b"admin\0alice\0alice-secret")))
        assert err == SASL_AUTHENTICATION_FAILED and "authorization id" in msg, msg
    # 5. success: then any request is served, and another SaslAuthenticate is ILLEGAL_SASL_STATE
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        assert parse_handshake(c.roundtrip(sasl_handshake(1, "PLAIN")))[1] == 0
        assert parse_authenticate(c.roundtrip(sasl_authenticate(2, b"alice\0alice\0alice-secret")))[1] == 0
        md = kw.parse_metadata_v1_response(c.roundtrip(kw.metadata_v1(3, topics=["sasl-t"])))
        assert "sasl-t" in md["topics"]
        assert parse_authenticate(c.roundtrip(sasl_authenticate(4, b"\0alice\0alice-secret")))[1] == ILLEGAL_SASL_STATE
        assert parse_handshake(c.roundtrip(sasl_handshake(5, "PLAIN")))[1] == ILLEGAL_SASL_STATE
    # 6. the v0 flow: bare tokens; PLAIN success is an empty token
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        assert parse_handshake(c.roundtrip(sasl_handshake(1, "PLAIN", version=0)))[1] == 0
        token = b"\0alice\0alice-secret"
        c.send(struct.pack(">i", len(token)) + token)
        assert c.recv_response() == b""
        md = kw.parse_metadata_v1_response(c.roundtrip(kw.metadata_v1(3, topics=["sasl-t"])))
        assert "sasl-t" in md["topics"]
    # 7. before authentication a frame above sasl.server.max.receive.size (512 KiB) closes it
    with kw.Conn(host, sp, timeout=scaled(10)) as c:
        c.send(struct.pack(">i", 600 << 10) + b"\0" * 64)
        assert c.wait_closed(scaled(10))
    # 8. SaslHandshake on a listener without SASL: ILLEGAL_SASL_STATE, connection kept
    with kw.Conn(host, broker.plaintext_port, timeout=scaled(10)) as c:
        assert parse_handshake(c.roundtrip(sasl_handshake(1, "PLAIN")))[1] == ILLEGAL_SASL_STATE
        kw.parse_metadata_v1_response(c.roundtrip(kw.metadata_v1(2, topics=[])))
    assert apis


def test_brokers_replicate_and_obey_the_controller_over_a_scram_inter_broker_listener(broker_factory, zk, chroot):
    """inter.broker.listener.name=SASL_PLAINTEXT with SCRAM-SHA-512: the controller's requests,
    the followers' fetches and AlterIsr all authenticate as User:broker (created in ZooKeeper
    before the brokers start, as Kafka's documentation has it); acks=all with
    min.insync.replicas=3 succeeds only if every follower replicates through it."""
    write_user(zk, chroot, "broker", {"SCRAM-SHA-512": scram_credential("SCRAM-SHA-512", "broker-secret")},
               notify=False)
    cluster = []
    for i in (1, 2, 3):
        o = sasl_overrides(i, mechanisms="PLAIN,SCRAM-SHA-512")
        o.update({
            "inter.broker.listener.name": "SASL_PLAINTEXT",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config":
                'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";',
        })
        cluster.append(broker_factory(i, overrides=o))
    create_topic(cluster[0], "sasl-rf3", replication_factor=3, config={"min.insync.replicas": "3"})
    conf = {"bootstrap.servers": cluster[0].bootstrap}
    got = produce_consume(conf, "sasl-rf3", 0, n=200)
    assert got == [b"v%d" % i for i in range(200)]
    for b in cluster:
        assert "authentication failed" not in b.log_text().lower(), b.log_tail(40)
