"""The ACL authorizer (issue 10) on 3 ZooKeeper nodes and 3 brokers: authorizer.class.name=
kafka.security.authorizer.AclAuthorizer, super.users=User:admin, inter-broker traffic over
SASL_PLAINTEXT as User:admin. ACLs live in Kafka's /kafka-acl* znodes and reach every broker
through the change notifications; each API answers Kafka's error for what the principal may not
do (TOPIC_AUTHORIZATION_FAILED 29, CLUSTER_AUTHORIZATION_FAILED 31); principals come from SASL
(PLAIN, SCRAM) or from the TLS client certificate's subject.
"""

import json
import struct
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import kafka_wire as kw
from helpers import kcat, scaled, wait_for
from test_sasl import (parse_authenticate, parse_handshake, plain_jaas, sasl_authenticate, sasl_conf,
                       sasl_handshake, sasl_overrides, sasl_ports, scram_credential, write_user)

TOPIC_AUTHORIZATION_FAILED = 29
CLUSTER_AUTHORIZATION_FAILED = 31
SECURITY_DISABLED = 54
# Kafka's codes: resource TOPIC 2, CLUSTER 4; pattern LITERAL 3, PREFIXED 4; op READ 3,
# WRITE 4, DESCRIBE 8; permission ALLOW 3
TOPIC, CLUSTER, LITERAL, PREFIXED, READ, WRITE, DESCRIBE, ALLOW = 2, 4, 3, 4, 3, 4, 8, 3
CLIENT_DN = "User:CN=cafka-client,O=cafka test"  # gen-certs.sh's client certificate, RFC 2253
USERS = {"admin": "admin-secret", "alice": "alice-secret"}


def secured_overrides(broker_id):
    o = sasl_overrides(broker_id, mechanisms="PLAIN,SCRAM-SHA-512")
    o.update({
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain_jaas(USERS),
        "listener.name.sasl_ssl.plain.sasl.jaas.config": plain_jaas(USERS),
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
        "super.users": "User:admin",
        "ssl.client.auth": "requested",
    })
    return o


@pytest.fixture
def cluster(broker_factory, zk, chroot):
    # SCRAM users exist before the brokers start (read at start-up)
    for user in ("writer", "reader"):
        write_user(zk, chroot, user, {"SCRAM-SHA-512": scram_credential("SCRAM-SHA-512", f"{user}-secret")},
                   notify=False)
    brokers = [broker_factory(i, overrides=secured_overrides(i)) for i in (1, 2, 3)]
    admin = AdminClient(sasl_conf(brokers[0], "PLAIN", "admin", "admin-secret"))
    fs = admin.create_topics([NewTopic("orders", 1, 3), NewTopic("secret", 1, 3)], operation_timeout=10)
    for f in fs.values():
        f.result(timeout=scaled(30))

    def ready():
        md = admin.list_topics(timeout=5)
        return all(t in md.topics and md.topics[t].partitions[0].leader >= 0 for t in ("orders", "secret"))

    wait_for(ready, scaled(30), "topics with leaders")
    return brokers


class Session:
    """A raw connection to a broker's SASL_PLAINTEXT listener, authenticated with PLAIN."""

    def __init__(self, broker, user):
        self.c = kw.Conn("127.0.0.1", sasl_ports(broker.id)[0], timeout=scaled(10))
        assert parse_handshake(self.c.roundtrip(sasl_handshake(1, "PLAIN")))[1] == 0
        token = b"\0" + user.encode() + b"\0" + USERS[user].encode()
        assert parse_authenticate(self.c.roundtrip(sasl_authenticate(2, token)))[1] == 0
        self.corr = 10

    def call(self, api_key, version, body):
        self.corr += 1
        payload = self.c.roundtrip(kw.request(api_key, version, self.corr, body))
        r = kw.Reader(payload)
        assert r.i32() == self.corr
        return r

    def close(self):
        self.c.close()


def i8(v):
    return struct.pack(">b", v)



def create_acls_v1(creations):
    """CreateAcls v1 body: [(resource type, name, pattern type, principal, host, op, permission)]."""
    body = struct.pack(">i", len(creations))
    for rt, name, pt, principal, host, op, perm in creations:
        body += i8(rt) + kw.string(name) + i8(pt) + kw.string(principal) + kw.string(host) + i8(op) + i8(perm)
    return body


def create_acls(session, creations):
    r = session.call(30, 1, create_acls_v1(creations))
    r.i32()  # throttle
    n = r.i32()
    return [(r.i16(), r.string()) for _ in range(n)]


def describe_acls(session, resource_type=1, name=None, pattern=1):
    """DescribeAcls v1 with a filter on the resource (ANY principal/host/op/permission) ->
    (error code, {(type, name, pattern): [(principal, host, op, permission)]})."""
    body = i8(resource_type) + kw.string(name) + i8(pattern) + kw.string(None) + kw.string(None) + i8(1) + i8(1)
    r = session.call(29, 1, body)
    r.i32()
    err = r.i16()
    r.string()
    out = {}
    for _ in range(r.i32()):
        key = (r.i8(), r.string(), r.i8())
        out[key] = [(r.string(), r.string(), r.i8(), r.i8()) for _ in range(r.i32())]
    return err, out


def delete_acls_v1(session, filters):
    body = struct.pack(">i", len(filters))
    for rt, name, pt, principal, host, op, perm in filters:
        body += i8(rt) + kw.string(name) + i8(pt) + kw.string(principal) + kw.string(host) + i8(op) + i8(perm)
    r = session.call(31, 1, body)
    r.i32()
    results = []
    for _ in range(r.i32()):
        err, n = r.i16(), (r.string(), r.i32())[1]
        matched = []
        for _ in range(n):
            e = r.i16()
            r.string()
            matched.append((e, r.i8(), r.string(), r.i8(), r.string(), r.string(), r.i8(), r.i8()))
        results.append((err, matched))
    return results


def metadata_errors(session, topics):
    """Metadata v1 for @p topics -> {topic: error code}."""
    body = struct.pack(">i", len(topics)) + b"".join(kw.string(t) for t in topics)
    r = session.call(3, 1, body)
    for _ in range(r.i32()):  # brokers
        r.i32(), r.string(), r.i32(), r.string()
    r.i32()  # controller
    out = {}
    for _ in range(r.i32()):
        err, name = r.i16(), r.string()
        r.i8()  # is_internal
        for _ in range(r.i32()):
            r.i16(), r.i32(), r.i32()
            for _ in range(2):
                for _ in range(r.i32()):
                    r.i32()
        out[name] = err
    return out


def produce_errors(conf, topic, n=20):
    """Produces n records; returns the delivery errors (empty: all acknowledged)."""
    errors = []
    p = Producer({**conf, "acks": "all", "message.timeout.ms": int(scaled(15) * 1000)})
    for i in range(n):
        p.produce(topic, value=b"w%d" % i, partition=0, on_delivery=lambda e, m: e and errors.append(e))
    p.flush(scaled(30))
    return errors


def consume_error(conf, topic):
    """The first error a consumer assigned to @p topic-0 meets on the topic, or None when it
    reads a record. The unused group's errors are skipped: librdkafka looks its coordinator up
    even for an assigned consumer, and the principal may hold no ACL on it."""
    c = Consumer({**conf, "group.id": "unused", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    try:
        for _ in range(int(scaled(10) / 0.5)):
            m = c.poll(0.5)
            if m is None or (m.error() and m.error().code() == KafkaError.GROUP_AUTHORIZATION_FAILED):
                continue
            return m.error().code() if m.error() else None
        return "nothing"
    finally:
        c.close()


def test_acls_written_on_one_broker_apply_on_all(cluster, zk, chroot):
    """CreateAcls on broker 1 writes /kafka-acl-extended/prefixed/Topic/ord in Kafka's JSON with
    a change notification; brokers 2 and 3 follow it. Before it, alice (PLAIN, no ACL) is refused
    DESCRIBE of orders everywhere; after it every broker answers her; DeleteAcls on broker 3
    takes it away on all three again."""
    sessions = [Session(b, "alice") for b in cluster]
    try:
        for s in sessions:
            assert metadata_errors(s, ["orders"]) == {"orders": TOPIC_AUTHORIZATION_FAILED}
        admin = Session(cluster[0], "admin")
        assert create_acls(admin, [(TOPIC, "ord", PREFIXED, "User:alice", "*", DESCRIBE, ALLOW)]) == [(0, None)]
        node, _ = zk.get(f"{chroot}/kafka-acl-extended/prefixed/Topic/ord")
        assert json.loads(node) == {"version": 1, "acls": [
            {"principal": "User:alice", "permissionType": "Allow", "operation": "Describe", "host": "*"}]}
        changes = zk.get_children(f"{chroot}/kafka-acl-extended-changes")
        assert any(json.loads(zk.get(f"{chroot}/kafka-acl-extended-changes/{c}")[0]) ==
                   {"version": 1, "resourceType": "TOPIC", "name": "ord", "patternType": "PREFIXED"}
                   for c in changes), changes
        for i, s in enumerate(sessions):
            wait_for(lambda: metadata_errors(s, ["orders"]) == {"orders": 0}, scaled(20),
                     f"the ACL applied on broker {i + 1}")
            # a prefixed DESCRIBE does not reach another name
            assert metadata_errors(s, ["secret"]) == {"secret": TOPIC_AUTHORIZATION_FAILED}
        # every broker's DescribeAcls shows it (alice may not ask: Cluster:DESCRIBE)
        assert describe_acls(sessions[1])[0] == CLUSTER_AUTHORIZATION_FAILED
        err, acls = describe_acls(Session(cluster[2], "admin"))
        assert err == 0 and acls == {(TOPIC, "ord", PREFIXED): [("User:alice", "*", DESCRIBE, ALLOW)]}
        # DeleteAcls through broker 3 with a MATCH filter on the name
        res = delete_acls_v1(Session(cluster[2], "admin"), [(TOPIC, "orders", 2, None, None, 1, 1)])
        assert res == [(0, [(0, TOPIC, "ord", PREFIXED, "User:alice", "*", DESCRIBE, ALLOW)])]
        assert not zk.exists(f"{chroot}/kafka-acl-extended/prefixed/Topic/ord")
        for i, s in enumerate(sessions):
            wait_for(lambda: metadata_errors(s, ["orders"]) == {"orders": TOPIC_AUTHORIZATION_FAILED},
                     scaled(20), f"the deletion applied on broker {i + 1}")
        # bad bindings are refused one by one, the good one kept
        res = create_acls(admin, [(CLUSTER, "not-the-cluster", LITERAL, "User:alice", "*", DESCRIBE, ALLOW),
                                  (TOPIC, "", LITERAL, "User:alice", "*", DESCRIBE, ALLOW),
                                  (TOPIC, "t", LITERAL, "alice", "*", DESCRIBE, ALLOW),
                                  (TOPIC, "t", LITERAL, "User:alice", "*", 1, ALLOW),
                                  (TOPIC, "t", LITERAL, "User:alice", "*", READ, ALLOW)])
        assert [e for e, _ in res] == [42, 42, 42, 42, 0], res
        # a non-super user may not create ACLs
        assert create_acls(sessions[0], [(TOPIC, "x", LITERAL, "User:alice", "*", READ, ALLOW)])[0][0] == \
            CLUSTER_AUTHORIZATION_FAILED
    finally:
        for s in sessions:
            s.close()


def test_write_without_read_metadata_filtered_and_clients(cluster):
    """writer (SCRAM-SHA-512) holds WRITE on orders only: it produces (librdkafka and kafka-python),
    cannot consume (TOPIC_AUTHORIZATION_FAILED), and Metadata lists orders but hides secret.
    reader holds READ on orders: kcat and kafka-python read what writer wrote."""
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KpTopicPartition

    admin = Session(cluster[0], "admin")
    assert create_acls(admin, [(TOPIC, "orders", LITERAL, "User:writer", "*", WRITE, ALLOW),
                               (TOPIC, "orders", LITERAL, "User:reader", "*", READ, ALLOW)]) == [(0, None)] * 2
    writer = sasl_conf(cluster[1], "SCRAM-SHA-512", "writer", "writer-secret", ssl=True)
    wait_for(lambda: not produce_errors(writer, "orders", 1), scaled(30), "writer's WRITE applied")
    assert produce_errors(writer, "orders") == []
    assert consume_error(writer, "orders") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # Metadata: all topics lists orders (WRITE implies DESCRIBE), never secret
    md = AdminClient(writer).list_topics(timeout=scaled(10))
    assert "orders" in md.topics and "secret" not in md.topics, list(md.topics)
    md = AdminClient(writer).list_topics(topic="secret", timeout=scaled(10))
    assert md.topics["secret"].error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # writer cannot produce to secret
    errs = produce_errors(writer, "secret", 1)
    assert errs and errs[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, errs
    # kafka-python producer as writer, PLAIN-free SCRAM over SASL_PLAINTEXT
    sp, _ = sasl_ports(cluster[2].id)
    common = dict(bootstrap_servers=f"127.0.0.1:{sp}", security_protocol="SASL_PLAINTEXT",
                  sasl_mechanism="SCRAM-SHA-512", api_version=(2, 8))
    p = KafkaProducer(acks="all", sasl_plain_username="writer", sasl_plain_password="writer-secret", **common)
    try:
        last = p.send("orders", value=b"kp", partition=0).get(timeout=scaled(30)).offset
    finally:
        p.close(timeout=scaled(10))
    # reader: kcat (SCRAM-SHA-512 over SASL_SSL) and kafka-python read everything
    _, ss = sasl_ports(cluster[0].id)
    out = kcat(["-b", f"127.0.0.1:{ss}", "-X", "security.protocol=sasl_ssl", "-X",
                f"ssl.ca.location={cluster[0].certs.ca}", "-X", "sasl.mechanism=SCRAM-SHA-512",
                "-X", "sasl.username=reader", "-X", "sasl.password=reader-secret",
                "-C", "-t", "orders", "-p", "0", "-o", "beginning", "-e", "-f", "%s\n"]).stdout.decode()
    assert out.split()[-1] == "kp" and len(out.split()) == last + 1
    c = KafkaConsumer(enable_auto_commit=False, consumer_timeout_ms=int(scaled(10) * 1000),
                      sasl_plain_username="reader", sasl_plain_password="reader-secret", **common)
    try:
        tp = KpTopicPartition("orders", 0)
        c.assign([tp])
        c.seek(tp, last)
        got = next(iter(c)).value
    finally:
        c.close()
    assert got == b"kp"


def test_control_requests_from_a_non_super_user_are_refused(cluster):
    """LeaderAndIsr, StopReplica (delete=true) and UpdateMetadata (controller epoch 100 ahead)
    from alice or from an anonymous PLAINTEXT client: CLUSTER_AUTHORIZATION_FAILED, the log stays
    on disk, and the broker still obeys the real controller afterwards."""
    target = next(b for b in cluster if (b.data_dir / "orders-0").is_dir())
    alice = Session(target, "alice")
    stop = struct.pack(">iiqb", 1, 100, -1, 1) + struct.pack(">i", 1) + kw.string("orders") + struct.pack(">ii", 1, 0)
    r = alice.call(5, 1, stop)
    assert r.i16() == CLUSTER_AUTHORIZATION_FAILED
    lai = struct.pack(">iiq", 1, 100, -1) + struct.pack(">ii", 0, 0)
    assert alice.call(4, 2, lai).i16() == CLUSTER_AUTHORIZATION_FAILED
    with kw.Conn("127.0.0.1", target.plaintext_port, timeout=scaled(10)) as c:
        um = struct.pack(">iiq", 99, 100, -1) + struct.pack(">ii", 0, 0)
        r = kw.Reader(c.roundtrip(kw.request(6, 5, 3, um)))
        assert r.i32() == 3 and r.i16() == CLUSTER_AUTHORIZATION_FAILED
        # ControlledShutdown v1 for another broker: refused too
        r = kw.Reader(c.roundtrip(kw.request(7, 1, 4, struct.pack(">i", cluster[0].id))))
        assert r.i32() == 4 and r.i16() == CLUSTER_AUTHORIZATION_FAILED
    alice.close()
    assert (target.data_dir / "orders-0").is_dir()
    # the real controller is still obeyed: a new topic gets leaders everywhere
    admin = AdminClient(sasl_conf(cluster[0], "PLAIN", "admin", "admin-secret"))
    admin.create_topics([NewTopic("later", 1, 3)], operation_timeout=10)["later"].result(timeout=scaled(30))
    for b in cluster:
        s = Session(b, "admin")
        wait_for(lambda: metadata_errors(s, ["later"]) == {"later": 0}, scaled(30), f"broker {b.id} knows later")
        s.close()
    for b in cluster:
        assert "Principal = User:alice is Denied Operation = ClusterAction" in b.log_text() or b is not target


def test_tls_client_certificate_principal(cluster):
    """On the SSL listener the principal is User:<certificate subject, RFC 2253>: ACLs for
    "User:CN=cafka-client,O=cafka test" let kcat with that certificate read orders; without a
    certificate the client is User:ANONYMOUS and refused."""
    admin = Session(cluster[0], "admin")
    assert create_acls(admin, [(TOPIC, "orders", LITERAL, CLIENT_DN, "*", READ, ALLOW)]) == [(0, None)]
    b = cluster[0]
    assert produce_errors(sasl_conf(b, "PLAIN", "admin", "admin-secret"), "orders", 3) == []
    base = ["-b", b.ssl_bootstrap, "-X", "security.protocol=ssl", "-X", f"ssl.ca.location={b.certs.ca}"]
    with_cert = base + ["-X", f"ssl.certificate.location={b.certs.client_cert}",
                        "-X", f"ssl.key.location={b.certs.client_key}"]

    def read(args):
        return kcat(args + ["-C", "-t", "orders", "-p", "0", "-o", "beginning", "-e", "-f", "%s\n"],
                    check=False, timeout=scaled(30))

    wait_for(lambda: read(with_cert).returncode == 0, scaled(20), "the certificate's ACL applied")
    assert read(with_cert).stdout.decode().split()[:3] == ["w0", "w1", "w2"]
    anon = read(base)
    assert anon.returncode != 0 and b"authoriz" in anon.stderr.lower(), anon.stderr[-300:]


def test_without_an_authorizer_acl_apis_answer_security_disabled(broker_factory):
    b = broker_factory(1)
    with kw.Conn("127.0.0.1", b.plaintext_port, timeout=scaled(10)) as c:
        r = kw.Reader(c.roundtrip(kw.request(29, 1, 1, i8(1) + kw.string(None) + i8(1) + kw.string(None) +
                                             kw.string(None) + i8(1) + i8(1))))
        assert r.i32() == 1
        r.i32()
        assert r.i16() == SECURITY_DISABLED
        r = kw.Reader(c.roundtrip(kw.request(30, 1, 2, create_acls_v1(
            [(TOPIC, "t", LITERAL, "User:a", "*", READ, ALLOW)]))))
        assert r.i32() == 2
        r.i32()
        assert r.i32() == 1 and r.i16() == SECURITY_DISABLED


@pytest.mark.parametrize("value,key", [("com.example.Other", "authorizer.class.name"),
                                       ("alice", "super.users"),
                                       ("RULE:^CN=(.*)$/$1/", "ssl.principal.mapping.rules")])
def test_bad_authorizer_config_stops_start_up(broker_factory, value, key):
    b = broker_factory(1, overrides={"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer", key: value},
                       start=False)
    rc = b.start_expecting_exit(scaled(20))
    assert rc != 0 and key in b.log_text(), b.log_tail(20)


def test_secured_zookeeper_tree(broker_factory, zk, chroot):
    """zookeeper.set.acl with zookeeper.auth.digest: brokers authenticate with ZooKeeper's digest
    scheme and create znodes that only their identity may change and the world may read (Kafka's
    ZkData.defaultAcls), the SCRAM credentials not even readable; a broker with another identity
    cannot join; the cluster works."""
    from kazoo.client import KazooClient
    from kazoo.exceptions import NoAuthError
    from kazoo.security import make_digest_acl_credential

    from helpers import ZK_HOSTS

    secure = {"zookeeper.set.acl": "true", "zookeeper.auth.digest": "kafka:kafka-zk-secret"}
    brokers = [broker_factory(i, overrides=secure) for i in (1, 2)]
    admin = AdminClient({"bootstrap.servers": brokers[0].bootstrap})
    admin.create_topics([NewTopic("zsec", 1, 2)], operation_timeout=10)["zsec"].result(timeout=scaled(30))
    assert produce_errors({"bootstrap.servers": brokers[1].bootstrap}, "zsec", 5) == []
    me = make_digest_acl_credential("kafka", "kafka-zk-secret")

    # ZooKeeper shows a digest's hash only to a session holding ADMIN on the node
    owner = KazooClient(hosts=ZK_HOSTS, auth_data=[("digest", "kafka:kafka-zk-secret")])
    owner.start(timeout=scaled(15))

    def acls(path):
        return sorted((a.id.scheme, a.id.id, a.perms) for a in owner.get_acls(chroot + path)[0])

    try:
        opened = [("digest", me, 31), ("world", "anyone", 1)]
        for path in ("", "/brokers/ids/1", "/brokers/topics/zsec", "/brokers/topics/zsec/partitions/0/state",
                     "/controller", "/controller_epoch", "/cluster/id", "/config/topics/zsec"):
            assert acls(path) == opened, path
        assert acls("/config/users") == [("digest", me, 31)]
        assert acls("/config/brokers") == [("digest", me, 31)]
    finally:
        owner.stop()
        owner.close()
    # the world reads the tree but changes nothing, and cannot read the sensitive roots' children
    zk.get(chroot + "/brokers/topics/zsec")
    with pytest.raises(NoAuthError):
        zk.set(chroot + "/brokers/topics/zsec", b"{}")
    with pytest.raises(NoAuthError):
        zk.create(chroot + "/brokers/ids/9", b"{}", ephemeral=True)
    with pytest.raises(NoAuthError):
        zk.get_children(chroot + "/config/users")
    # another identity cannot register
    intruder = broker_factory(3, overrides={**secure, "zookeeper.auth.digest": "kafka:wrong"}, start=False)
    rc = intruder.start_expecting_exit(scaled(40))
    assert rc != 0, intruder.log_tail(20)


def test_consumer_group_needs_read_on_the_group(cluster):
    """reader holds READ on orders: without READ on its group the subscription fails with
    GROUP_AUTHORIZATION_FAILED; with it the group consumes and commits; DescribeGroups and
    ListGroups show reader only the groups it may describe (kafka-python's admin client)."""
    from kafka.admin import KafkaAdminClient

    GROUP = 3
    admin = Session(cluster[0], "admin")
    assert create_acls(admin, [(TOPIC, "orders", LITERAL, "User:reader", "*", READ, ALLOW)]) == [(0, None)]
    assert produce_errors(sasl_conf(cluster[0], "PLAIN", "admin", "admin-secret"), "orders", 10) == []
    reader = sasl_conf(cluster[1], "SCRAM-SHA-512", "reader", "reader-secret")

    def group_run(group, conf=reader):
        """(error code or None, records read) of a subscribed consumer in @p group."""
        c = Consumer({**conf, "group.id": group, "auto.offset.reset": "earliest",
                      "enable.auto.commit": False})
        c.subscribe(["orders"])
        got, err = 0, None
        try:
            deadline = time.monotonic() + scaled(30)
            while got < 10 and err is None and time.monotonic() < deadline:
                for m in c.consume(10, timeout=0.5):
                    if m.error():
                        err = m.error().code()
                    else:
                        got += 1
            if got:
                c.commit(asynchronous=False)
        except KafkaException as e:
            err = e.args[0].code()
        finally:
            c.close()
        return err, got

    assert group_run("g-denied") == (KafkaError.GROUP_AUTHORIZATION_FAILED, 0)
    assert create_acls(admin, [(GROUP, "g-", PREFIXED, "User:reader", "*", READ, ALLOW)]) == [(0, None)]
    wait_for(lambda: group_run("g-ok")[0] is None, scaled(60), "the group ACL applied")
    # a group of the admin's (a super user) exists beside it and is hidden from reader
    assert group_run("adm-group", sasl_conf(cluster[1], "PLAIN", "admin", "admin-secret")) == (None, 10)
    sp, _ = sasl_ports(cluster[0].id)
    kafka_admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{sp}", security_protocol="SASL_PLAINTEXT",
                                   sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="reader",
                                   sasl_plain_password="reader-secret", api_version=(2, 8))
    try:
        groups = [g for g, _ in kafka_admin.list_consumer_groups()]
        assert "g-ok" in groups and "adm-group" not in groups, groups
        desc = kafka_admin.describe_consumer_groups(["g-ok"])
        assert desc[0].group == "g-ok" and desc[0].state == "Empty", desc
    finally:
        kafka_admin.close()
