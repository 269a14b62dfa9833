"""The group coordinator's state machine on the wire, against Kafka 2.8's rules
(../shared/reference/kafka-groups-and-producer-state.md §1-§3: GroupCoordinator,
GroupMetadataManager, GroupMetadata, MemberMetadata and KafkaApis of tag 2.8.2).

Raw requests only (kafka_wire), so that every error code and field is the broker's own answer,
not what a client library makes of it: FindCoordinator v0-2, JoinGroup v0-5, SyncGroup v0-3,
Heartbeat v0-3, LeaveGroup v0-3, OffsetCommit v2-7, OffsetFetch v1-5, DescribeGroups v0-4,
ListGroups v0-2, DeleteGroups v0-1, OffsetDelete v0.

One broker per test (two for NOT_COORDINATOR) with a small __consumer_offsets (3 partitions,
one replica), no initial rebalance delay and group.min.session.timeout.ms = 1000 so that a
session can expire within the test. Nothing waits by sleeping: a test that needs the broker to
have done something polls for its effect with a deadline.
"""

import re
import time

import pytest

import kafka_wire as wire
from group_tools import kafka_abs, java_string_hash, offsets_partition_for
from helpers import create_topic, scaled, wait_for

# Errors.java
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
OFFSET_METADATA_TOO_LARGE = 12
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
INVALID_GROUP_ID = 24
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
FENCED_INSTANCE_ID = 82
GROUP_SUBSCRIBED_TO_TOPIC = 86

OFFSETS_PARTITIONS = 3
MIN_SESSION_MS = 1000
MAX_SESSION_MS = 60000
OVERRIDES = {
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": OFFSETS_PARTITIONS,
    "group.initial.rebalance.delay.ms": 0,
    "group.min.session.timeout.ms": MIN_SESSION_MS,
    "group.max.session.timeout.ms": MAX_SESSION_MS,
}
INT32_MIN = -(1 << 31)  # DescribeGroups v3+ authorized_operations when not asked for
LOCALHOST = "/127.0.0.1"  # InetAddress.toString() of the client, as Kafka records it


def member_id_re(prefix):
    """<client.id | group.instance.id>-<java.util.UUID.randomUUID()> (GroupCoordinator)."""
    return re.compile(
        re.escape(prefix) + r"-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    )


# ---------------------------------------------------------------------------------------------
# Connections and members


class Client:
    """One connection with its own correlation ids and client id. Requests may be sent ahead
    of their answers (a parked JoinGroup or SyncGroup); answers come back in request order."""

    def __init__(self, port, client_id="cafka-test"):
        self.conn = wire.Conn("127.0.0.1", port, timeout=scaled(30))
        self.client_id = client_id
        self.corr = 0
        self.inflight = []

    def send(self, build, parse):
        self.corr += 1
        self.conn.send(build(self.corr))
        self.inflight.append((self.corr, parse))

    def recv(self):
        corr, parse = self.inflight.pop(0)
        out = parse(self.conn.recv_response())
        assert out["corr"] == corr, f"correlation id {out['corr']}, expected {corr}"
        return out

    def call(self, build, parse):
        self.send(build, parse)
        return self.recv()

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- one method per API (v = version)

    def find_coordinator(self, v, key):
        return self.call(lambda c: wire.find_coordinator_req(c, key, v, client_id=self.client_id),
                         lambda p: wire.parse_find_coordinator(p, v))

    def join_send(self, v, group, member_id, protocols, **kw):
        self.send(lambda c: wire.join_group_req(c, v, group, member_id, protocols, client_id=self.client_id, **kw),
                  lambda p: wire.parse_join_group(p, v))

    def join(self, v, group, member_id, protocols, **kw):
        self.join_send(v, group, member_id, protocols, **kw)
        return self.recv()

    def sync_send(self, v, group, generation, member_id, assignments=(), instance_id=None):
        self.send(lambda c: wire.sync_group_req(c, v, group, generation, member_id, assignments, instance_id,
                                                client_id=self.client_id),
                  lambda p: wire.parse_sync_group(p, v))

    def sync(self, v, group, generation, member_id, assignments=(), instance_id=None):
        self.sync_send(v, group, generation, member_id, assignments, instance_id)
        return self.recv()

    def heartbeat(self, v, group, generation, member_id, instance_id=None):
        return self.call(lambda c: wire.heartbeat_req(c, v, group, generation, member_id, instance_id,
                                                      client_id=self.client_id),
                         lambda p: wire.parse_heartbeat(p, v))["error"]

    def leave(self, v, group, members):
        return self.call(lambda c: wire.leave_group_req(c, v, group, members, client_id=self.client_id),
                         lambda p: wire.parse_leave_group(p, v))

    def commit(self, v, group, offsets, **kw):
        return self.call(lambda c: wire.offset_commit_req(c, v, group, offsets, client_id=self.client_id, **kw),
                         lambda p: wire.parse_offset_commit(p, v))

    def fetch(self, v, group, topics):
        return self.call(lambda c: wire.offset_fetch_req(c, v, group, topics, client_id=self.client_id),
                         lambda p: wire.parse_offset_fetch(p, v))

    def describe(self, v, groups):
        return self.call(lambda c: wire.describe_groups_req(c, v, groups, client_id=self.client_id),
                         lambda p: wire.parse_describe_groups(p, v))["groups"]

    def list_groups(self, v):
        return self.call(lambda c: wire.list_groups_req(c, v, client_id=self.client_id),
                         lambda p: wire.parse_list_groups(p, v))

    def delete_groups(self, v, groups):
        return self.call(lambda c: wire.delete_groups_req(c, v, groups, client_id=self.client_id),
                         lambda p: wire.parse_delete_groups(p, v))["results"]

    def offset_delete(self, group, partitions):
        return self.call(lambda c: wire.offset_delete_req(c, group, partitions, client_id=self.client_id),
                         wire.parse_offset_delete)


def subscription(*topics, user_data=None):
    return wire.consumer_subscription(list(topics), user_data)


class Member:
    """A group member on a connection of its own (its JoinGroup and SyncGroup may park)."""

    def __init__(self, client, group, protocols=None, version=5, session_timeout_ms=10000,
                 rebalance_timeout_ms=None, instance_id=None, protocol_type="consumer"):
        self.c = client
        self.group = group
        self.protocols = protocols or [("range", subscription("t"))]
        self.version = version
        self.session_timeout_ms = session_timeout_ms
        self.rebalance_timeout_ms = rebalance_timeout_ms
        self.instance_id = instance_id
        self.protocol_type = protocol_type
        self.id = ""
        self.generation = -1
        self.leader = None

    @property
    def metadata(self):
        return self.protocols[0][1]

    def _join_args(self):
        kw = {"session_timeout_ms": self.session_timeout_ms, "rebalance_timeout_ms": self.rebalance_timeout_ms,
              "protocol_type": self.protocol_type}
        if self.version >= 5:
            kw["instance_id"] = self.instance_id
        return kw

    def begin_join(self):
        """Sends the JoinGroup that waits for the rebalance. A dynamic newcomer on v4+ first
        gets MEMBER_ID_REQUIRED with its id (KIP-394)."""
        if not self.id and self.version >= 4 and self.instance_id is None:
            r = self.c.join(self.version, self.group, "", self.protocols, **self._join_args())
            assert r["error"] == MEMBER_ID_REQUIRED, r
            self.id = r["member_id"]
        self.c.join_send(self.version, self.group, self.id, self.protocols, **self._join_args())

    def end_join(self):
        r = self.c.recv()
        assert r["error"] == NONE, r
        assert r["member_id"] and (not self.id or r["member_id"] == self.id), r
        self.id, self.generation, self.leader = r["member_id"], r["generation"], r["leader"]
        return r

    def join(self):
        self.begin_join()
        return self.end_join()

    def heartbeat(self, v=3, generation=None, member_id=None):
        return self.c.heartbeat(v, self.group, self.generation if generation is None else generation,
                                self.id if member_id is None else member_id,
                                self.instance_id if v >= 3 else None)

    def sync_send(self, assignments=(), v=3):
        self.c.sync_send(v, self.group, self.generation, self.id, assignments,
                         self.instance_id if v >= 3 else None)

    def sync_recv(self):
        return self.c.recv()

    def sync(self, assignments=(), v=3):
        self.sync_send(assignments, v)
        return self.sync_recv()


class Coordinator:
    """The broker under test and the connections a test opened to it."""

    def __init__(self, broker):
        self.broker = broker
        self.port = broker.plaintext_port
        self.clients = []

    def client(self, client_id="cafka-test"):
        c = Client(self.port, client_id)
        self.clients.append(c)
        return c

    def member(self, group, client_id="cafka-test", **kw):
        return Member(self.client(client_id), group, **kw)

    def close(self):
        for c in self.clients:
            c.close()


def group_on_partition(partition, prefix="probe"):
    """A group id whose __consumer_offsets partition is `partition`."""
    for i in range(10000):
        g = f"{prefix}-{i}"
        if offsets_partition_for(g, OFFSETS_PARTITIONS) == partition:
            return g
    raise AssertionError(f"no {prefix}-N group on partition {partition}")


def wait_coordinator_ready(port, node_id, groups=None, node_port=None):
    """Polls the broker at `port` until FindCoordinator names broker `node_id` (at `node_port`,
    default `port`) for each group (default: one per __consumer_offsets partition) and the
    coordinator answers OffsetFetch for it (it owns the group's partition)."""
    node_port = node_port or port
    with Client(port) as c, Client(node_port) as n:
        for g in groups or [group_on_partition(p) for p in range(OFFSETS_PARTITIONS)]:

            def ready():
                r = c.find_coordinator(0, g)
                if r["error"] != NONE:
                    assert r["error"] == COORDINATOR_NOT_AVAILABLE, r
                    return False
                if r["node_id"] != node_id:
                    return False  # metadata not there yet
                assert (r["host"], r["port"]) == ("127.0.0.1", node_port), r
                return n.fetch(2, g, {})["error"] == NONE

            wait_for(ready, scaled(30), f"broker {node_id} coordinating {g}", interval=0.1)


@pytest.fixture
def coord(broker_factory):
    b = broker_factory(1, overrides=OVERRIDES)
    c = Coordinator(b)
    # The first FindCoordinator creates __consumer_offsets: until its leaders exist the answer
    # is COORDINATOR_NOT_AVAILABLE (KafkaApis.getCoordinator).
    first = c.client().find_coordinator(0, "probe")
    assert (first["error"], first["node_id"]) == (COORDINATOR_NOT_AVAILABLE, -1), first
    wait_coordinator_ready(c.port, 1)
    yield c
    c.close()


def poll(cond, timeout, what, interval=0.02):
    """Calls cond() until it returns a truthy value (returned); fails after `timeout` seconds
    (scaled). Unlike helpers.wait_for, an assertion inside cond() fails at once."""
    deadline = time.monotonic() + scaled(timeout)
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {scaled(timeout):.0f}s waiting for {what}")
        time.sleep(interval)  # the polling interval, not a synchronisation


def wait_heartbeat(member, expected, timeout=10, allowed=(NONE,)):
    """Polls the member's Heartbeat until it answers `expected` (the broker has processed
    what another connection sent, or a timer fired); only `allowed` errors meanwhile."""

    def check():
        e = member.heartbeat()
        assert e == expected or e in allowed, f"heartbeat of {member.id}: error {e}"
        return e == expected

    poll(check, timeout, f"heartbeat error {expected} for {member.id}")


def rebalance(existing, newcomers):
    """The newcomers join; the existing members learn of the rebalance from their heartbeat
    (REBALANCE_IN_PROGRESS) and rejoin. Returns {member: JoinGroup answer}; all must carry
    the same new generation and leader, and only the leader gets the member list."""
    for m in newcomers:
        m.begin_join()
    for m in existing:
        wait_heartbeat(m, REBALANCE_IN_PROGRESS)
        m.begin_join()
    everyone = list(existing) + list(newcomers)
    answers = {m: m.end_join() for m in everyone}
    gens = {r["generation"] for r in answers.values()}
    leaders = {r["leader"] for r in answers.values()}
    assert len(gens) == 1 and len(leaders) == 1, answers
    leader = leaders.pop()
    for m, r in answers.items():
        if m.id == leader:
            assert sorted(x[0] for x in r["members"]) == sorted(x.id for x in everyone), r
        else:
            assert r["members"] == [], r
    return answers


def sync_all(members, assignments):
    """Followers send SyncGroup first (they wait), then the leader with every assignment;
    each gets its own. assignments: {member: bytes}."""
    leader = [m for m in members if m.id == m.leader]
    assert len(leader) == 1, [(m.id, m.leader) for m in members]
    leader = leader[0]
    for m in members:
        if m is not leader:
            m.sync_send()
    leader.sync_send([(m.id, a) for m, a in assignments.items()])
    for m in members:
        r = m.sync_recv()
        assert (r["error"], r["assignment"]) == (NONE, assignments[m]), (m.id, r)


def stable_group(members, assignments=None):
    """members[0] joins alone (generation 1), the others join in one rebalance; then the
    group syncs to Stable. Returns the generation."""
    assignments = assignments or {m: wire.consumer_assignment({"t": [i]}) for i, m in enumerate(members)}
    first = members[0]
    r = first.join()
    assert (r["generation"], r["leader"]) == (1, first.id), r
    first.sync([(first.id, assignments[first] if len(members) == 1 else b"")])
    if len(members) > 1:
        rebalance(members[:1], members[1:])
        sync_all(members, assignments)
    return first.generation


def describe_one(client, group, v=4):
    (g,) = client.describe(v, [group])
    assert g["group_id"] == group and g["error"] == NONE, g
    return g


# ---------------------------------------------------------------------------------------------
# JoinGroup


def test_join_member_id_required_then_generation_one(coord):
    c = coord.client()
    meta = subscription("t1", user_data=b"ud")
    for v in (4, 5):
        g = f"required-v{v}"
        app = coord.client(f"app-v{v}")
        # KIP-394: a v4+ dynamic member without an id is told its id and must come back with it
        r = app.join(v, g, "", [("range", meta)], session_timeout_ms=6000)
        assert r["error"] == MEMBER_ID_REQUIRED, r
        assert member_id_re(f"app-v{v}").match(r["member_id"]), r
        assert (r["generation"], r["leader"], r["protocol"], r["members"]) == (-1, "", "", []), r
        mid = r["member_id"]
        # the group exists now, Empty: a pending member is not a member yet
        d = describe_one(c, g)
        assert (d["state"], d["protocol_type"], d["protocol"], d["members"]) == ("Empty", "", "", []), d
        r = app.join(v, g, mid, [("range", meta)], session_timeout_ms=6000)
        assert r["error"] == NONE, r
        assert (r["generation"], r["leader"], r["member_id"], r["protocol"]) == (1, mid, mid, "range"), r
        assert r["members"] == [(mid, None, meta)], r  # the leader (only it) gets the member list
    for v in (0, 1, 2, 3):  # before KIP-394 a new member is admitted at once
        g = f"direct-v{v}"
        app = coord.client(f"old-v{v}")
        r = app.join(v, g, "", [("range", meta)], session_timeout_ms=6000)
        assert r["error"] == NONE, r
        mid = r["member_id"]
        assert member_id_re(f"old-v{v}").match(mid), r
        assert (r["generation"], r["leader"], r["protocol"], r["members"]) == (1, mid, "range", [(mid, None, meta)]), r
    # a member id the group does not know, on a group that does not exist: UNKNOWN_MEMBER_ID,
    # and the group is not created
    r = c.join(3, "never-joined", "ghost-1", [("range", meta)])
    assert (r["error"], r["generation"], r["member_id"], r["leader"]) == (UNKNOWN_MEMBER_ID, -1, "ghost-1", ""), r
    d = describe_one(c, "never-joined")
    assert (d["state"], d["protocol_type"], d["protocol"], d["members"]) == ("Dead", "", "", []), d


def test_join_validation_session_timeout_protocols_and_group_id(coord):
    c = coord.client()
    rr = [("range", subscription("t"))]
    # session timeout outside [group.min.session.timeout.ms, group.max.session.timeout.ms]
    for v in (0, 3, 5):
        for bad in (MIN_SESSION_MS - 1, MAX_SESSION_MS + 1):
            r = c.join(v, "bounds", "", rr, session_timeout_ms=bad)
            assert (r["error"], r["generation"], r["member_id"], r["leader"], r["members"]) == (
                INVALID_SESSION_TIMEOUT, -1, "", "", []), (v, bad, r)
    # the bounds themselves are accepted (v5: the first answer is MEMBER_ID_REQUIRED)
    for ok in (MIN_SESSION_MS, MAX_SESSION_MS):
        assert c.join(5, "bounds", "", rr, session_timeout_ms=ok)["error"] == MEMBER_ID_REQUIRED
    # an empty group id is invalid for JoinGroup, SyncGroup, Heartbeat and LeaveGroup
    for v in (0, 5):
        assert c.join(v, "", "", rr)["error"] == INVALID_GROUP_ID
    assert c.sync(3, "", 1, "m")["error"] == INVALID_GROUP_ID
    assert c.heartbeat(3, "", 1, "m") == INVALID_GROUP_ID
    assert c.leave(0, "", "m")["error"] == INVALID_GROUP_ID
    # a new group needs a protocol type and at least one protocol
    assert c.join(3, "no-type", "", rr, protocol_type="")["error"] == INCONSISTENT_GROUP_PROTOCOL
    assert c.join(3, "no-protocols", "", [])["error"] == INCONSISTENT_GROUP_PROTOCOL

    a = coord.member("proto", "client-a", version=3,
                     protocols=[("range", subscription("t")), ("roundrobin", subscription("t"))])
    stable_group([a])
    # a second member must use the group's protocol type and share one of its protocols
    for ptype, protos in (("connect", [("range", b"x")]), ("consumer", [("sticky", subscription("t"))])):
        for v in (3, 5):
            r = c.join(v, "proto", "", protos, protocol_type=ptype)
            assert (r["error"], r["generation"], r["member_id"], r["leader"], r["members"]) == (
                INCONSISTENT_GROUP_PROTOCOL, -1, "", "", []), (ptype, v, r)
    assert a.heartbeat() == NONE  # refused joins do not disturb the group
    # a known member id is needed to rejoin with one
    r = c.join(3, "proto", "ghost-1", [("range", subscription("t"))])
    assert (r["error"], r["member_id"]) == (UNKNOWN_MEMBER_ID, "ghost-1"), r
    assert a.heartbeat() == NONE
    # a member with one protocol in common is admitted, and that protocol is chosen
    b = coord.member("proto", "client-b", version=3,
                     protocols=[("sticky", subscription("t")), ("roundrobin", subscription("t"))])
    answers = rebalance([a], [b])
    assert {r["protocol"] for r in answers.values()} == {"roundrobin"}
    assert a.generation == b.generation == 2 and a.leader == a.id
    sync_all([a, b], {a: b"A", b: b"B"})
    d = describe_one(c, "proto")
    assert (d["state"], d["protocol"]) == ("Stable", "roundrobin")
    # the members' metadata is the one they sent for the chosen protocol
    assert sorted((m["member_id"], m["metadata"]) for m in d["members"]) == sorted(
        [(a.id, a.protocols[1][1]), (b.id, b.protocols[1][1])])


def test_two_members_sync_describe_and_list(coord):
    g = "pair"
    meta_a = subscription("topic-x", user_data=b"A")
    meta_b = subscription("topic-x", user_data=b"B")
    a = coord.member(g, "client-a", protocols=[("range", meta_a)])
    b = coord.member(g, "client-b", protocols=[("range", meta_b)])
    r = a.join()
    assert (r["generation"], r["leader"], r["members"]) == (1, a.id, [(a.id, None, meta_a)])
    assert a.sync([(a.id, b"whole")]) == {"corr": a.c.corr, "throttle_ms": 0, "error": NONE, "assignment": b"whole"}

    answers = rebalance([a], [b])
    ra, rb = answers[a], answers[b]
    assert (ra["generation"], ra["leader"], ra["protocol"]) == (2, a.id, "range")
    assert (rb["generation"], rb["leader"], rb["protocol"]) == (2, a.id, "range")
    assert sorted(ra["members"]) == sorted([(a.id, None, meta_a), (b.id, None, meta_b)])
    assert rb["members"] == []

    asg_a = wire.consumer_assignment({"topic-x": [0, 2]})
    asg_b = wire.consumer_assignment({"topic-x": [1]})
    b.sync_send()  # the follower waits for the leader's assignment
    a.sync_send([(a.id, asg_a), (b.id, asg_b)])
    assert (a.sync_recv()["assignment"], b.sync_recv()["assignment"]) == (asg_a, asg_b)

    c = coord.client()
    for v in range(5):
        groups = c.describe(v, [g, "no-such-group"])
        assert [x["group_id"] for x in groups] == [g, "no-such-group"]
        d, dead = groups
        assert (d["error"], d["state"], d["protocol_type"], d["protocol"]) == (NONE, "Stable", "consumer", "range")
        got = sorted((m["member_id"], m["instance_id"], m["client_id"], m["client_host"], m["metadata"],
                      m["assignment"]) for m in d["members"])
        assert got == sorted([(a.id, None, "client-a", LOCALHOST, meta_a, asg_a),
                              (b.id, None, "client-b", LOCALHOST, meta_b, asg_b)]), (v, got)
        assert (dead["error"], dead["state"], dead["protocol_type"], dead["protocol"], dead["members"]) == (
            NONE, "Dead", "", "", [])
        if v >= 3:
            assert d["authorized_operations"] == INT32_MIN == dead["authorized_operations"]
    for v in range(3):
        lg = c.list_groups(v)
        assert lg["error"] == NONE and lg["groups"].get(g) == "consumer", lg
    # Stable: a follower's SyncGroup is answered at once with its assignment, and so is its
    # JoinGroup with unchanged metadata (current generation, no rebalance) ...
    assert b.sync()["assignment"] == asg_b
    r = b.join()
    assert (r["error"], r["generation"], r["leader"], r["members"]) == (NONE, 2, a.id, []), r
    assert a.heartbeat() == NONE
    # ... but the leader's JoinGroup starts a rebalance (it may want to reassign)
    a.begin_join()
    wait_heartbeat(b, REBALANCE_IN_PROGRESS)
    d = describe_one(c, g)
    assert (d["state"], d["protocol"]) == ("PreparingRebalance", ""), d
    assert {(m["metadata"], m["assignment"]) for m in d["members"]} == {(b"", b"")}, d
    b.begin_join()
    assert (a.end_join()["generation"], b.end_join()["generation"]) == (3, 3)


def test_heartbeat_sync_errors_and_a_third_member(coord):
    g = "trio"
    a, b = coord.member(g, "client-a"), coord.member(g, "client-b")
    gen = stable_group([a, b], {a: b"a1", b: b"b1"})
    assert gen == 2
    c = coord.client()
    for v in range(4):
        assert a.heartbeat(v) == NONE
        assert a.heartbeat(v, generation=gen + 1) == ILLEGAL_GENERATION
        assert a.heartbeat(v, generation=gen - 1) == ILLEGAL_GENERATION
        assert a.heartbeat(v, member_id="ghost") == UNKNOWN_MEMBER_ID
        assert c.heartbeat(v, "no-such-group", 1, "ghost") == UNKNOWN_MEMBER_ID
        assert c.sync(v, g, gen + 1, a.id)["error"] == ILLEGAL_GENERATION
        assert c.sync(v, g, gen, "ghost")["error"] == UNKNOWN_MEMBER_ID
        assert c.sync(v, "no-such-group", 1, "ghost")["error"] == UNKNOWN_MEMBER_ID
    # a member id is checked before the generation
    assert a.heartbeat(generation=gen + 5, member_id="ghost") == UNKNOWN_MEMBER_ID

    x = coord.member(g, "client-c")
    x.begin_join()
    wait_heartbeat(a, REBALANCE_IN_PROGRESS)
    assert b.heartbeat() == REBALANCE_IN_PROGRESS
    # PreparingRebalance: SyncGroup of the old generation is told to rejoin
    assert a.sync()["error"] == REBALANCE_IN_PROGRESS
    a.begin_join()
    b.begin_join()
    answers = {m: m.end_join() for m in (a, b, x)}
    assert {r["generation"] for r in answers.values()} == {gen + 1}
    assert {r["leader"] for r in answers.values()} == {a.id}  # the leader rejoined: it stays leader
    assert sorted(m for m, _, _ in answers[a]["members"]) == sorted([a.id, b.id, x.id])
    assert answers[b]["members"] == answers[x]["members"] == []
    # CompletingRebalance: heartbeats are fine, the old generation is not
    for m in (a, b, x):
        assert m.heartbeat() == NONE
    assert a.heartbeat(generation=gen) == ILLEGAL_GENERATION
    # ... DescribeGroups shows no protocol and no member metadata or assignment yet
    d = describe_one(c, g)
    assert (d["state"], d["protocol_type"], d["protocol"]) == ("CompletingRebalance", "consumer", ""), d
    assert {(m["metadata"], m["assignment"]) for m in d["members"]} == {(b"", b"")} and len(d["members"]) == 3
    # ... and a member rejoining with the same metadata (its answer was lost) gets the same
    # answer again at once: the leader with the member list, a follower without
    r = b.join()
    assert (r["generation"], r["leader"], r["members"]) == (gen + 1, a.id, []), r
    r = a.join()
    assert (r["generation"], r["leader"]) == (gen + 1, a.id), r
    assert sorted(m for m, _, _ in r["members"]) == sorted([a.id, b.id, x.id]), r
    sync_all([a, b, x], {a: b"a2", b: b"b2", x: b"c2"})
    d = describe_one(c, g)
    assert d["state"] == "Stable" and len(d["members"]) == 3
    for m in (a, b, x):
        assert m.heartbeat() == NONE


def test_session_expiry_removes_the_silent_member(coord):
    g = "expiry"
    a = coord.member(g, "client-a", session_timeout_ms=10000)
    b = coord.member(g, "client-b", session_timeout_ms=MIN_SESSION_MS, rebalance_timeout_ms=10000)
    stable_group([a, b], {a: b"a", b: b"b"})
    assert b.heartbeat() == NONE
    t0 = time.monotonic()  # b's last liveness event was just before this
    # b falls silent; a keeps heartbeating until the coordinator notices b's session expired
    wait_heartbeat(a, REBALANCE_IN_PROGRESS, timeout=15)
    assert time.monotonic() - t0 >= 0.9 * MIN_SESSION_MS / 1000, "b expired before its session timeout"
    d = describe_one(coord.client(), g)
    assert (d["state"], [m["member_id"] for m in d["members"]]) == ("PreparingRebalance", [a.id]), d
    r = a.join()
    assert (r["generation"], r["leader"], r["members"]) == (3, a.id, [(a.id, None, a.metadata)]), r
    assert b.heartbeat() == UNKNOWN_MEMBER_ID
    assert a.sync([(a.id, b"all")])["assignment"] == b"all"
    assert a.heartbeat() == NONE


def test_leave_group_single_and_batch(coord):
    c = coord.client()
    for v in (0, 1, 2):
        g = f"leave-v{v}"
        a = coord.member(g, f"client-v{v}", version=3)
        stable_group([a])
        r = c.leave(v, g, a.id)
        assert r["error"] == NONE and "members" not in r, r
        d = describe_one(c, g)
        assert (d["state"], d["protocol_type"], d["protocol"], d["members"]) == ("Empty", "consumer", "", []), d
        assert c.leave(v, g, a.id)["error"] == UNKNOWN_MEMBER_ID  # v0-2: the member's error on top
        assert a.heartbeat() == UNKNOWN_MEMBER_ID
        assert c.leave(v, "leave-absent", "ghost")["error"] == UNKNOWN_MEMBER_ID

    # a pending member (told its id, not joined yet) is just dropped
    r = c.join(5, "leave-pending", "", [("range", subscription("t"))])
    assert r["error"] == MEMBER_ID_REQUIRED
    pending = r["member_id"]
    assert c.leave(1, "leave-pending", pending)["error"] == NONE
    r = c.join(5, "leave-pending", pending, [("range", subscription("t"))])
    assert r["error"] == UNKNOWN_MEMBER_ID, r

    g = "leave-batch"
    a, b, x = coord.member(g, "client-a"), coord.member(g, "client-b"), coord.member(g, "client-c")
    gen = stable_group([a, b, x])
    r = c.leave(3, g, [(a.id, None), ("ghost", None), (x.id, None)])
    assert r["error"] == NONE, r
    assert r["members"] == [(a.id, None, NONE), ("ghost", None, UNKNOWN_MEMBER_ID), (x.id, None, NONE)], r
    # the leader left: b rebalances alone and leads
    wait_heartbeat(b, REBALANCE_IN_PROGRESS)
    r = b.join()
    assert (r["generation"], r["leader"], r["members"]) == (gen + 1, b.id, [(b.id, None, b.metadata)]), r
    b.sync([(b.id, b"b")])
    r = c.leave(3, g, [(b.id, None)])
    assert (r["error"], r["members"]) == (NONE, [(b.id, None, NONE)]), r
    d = describe_one(c, g)
    assert (d["state"], d["members"]) == ("Empty", []), d
    # v3 on a group that does not exist: NONE on top, UNKNOWN_MEMBER_ID per member
    r = c.leave(3, "leave-absent", [("ghost", None), ("", "some-instance")])
    assert (r["error"], r["members"]) == (
        NONE, [("ghost", None, UNKNOWN_MEMBER_ID), ("", "some-instance", UNKNOWN_MEMBER_ID)]), r


def test_static_member_rejoin_keeps_generation_and_fences_the_old_id(coord):
    g = "static"
    a = coord.member(g, "client-a", instance_id="inst-a")
    b = coord.member(g, "client-b", instance_id="inst-b")
    r = a.join()  # a static member is admitted without MEMBER_ID_REQUIRED
    assert member_id_re("inst-a").match(a.id), r
    assert (r["generation"], r["leader"], r["members"]) == (1, a.id, [(a.id, "inst-a", a.metadata)]), r
    a.sync([(a.id, b"a0")])
    answers = rebalance([a], [b])
    assert member_id_re("inst-b").match(b.id)
    assert sorted(answers[a]["members"]) == sorted([(a.id, "inst-a", a.metadata), (b.id, "inst-b", b.metadata)])
    sync_all([a, b], {a: b"a1", b: b"b1"})
    gen, old_a = a.generation, a.id
    assert gen == 2

    # The leader's instance comes back (a restarted process): new member id, same generation,
    # no member list, and the OLD leader id, so that it does not act as leader (no rebalance).
    a2 = coord.member(g, "client-a", instance_id="inst-a")
    r = a2.join()
    assert member_id_re("inst-a").match(a2.id) and a2.id != old_a, r
    assert (r["generation"], r["leader"], r["members"], r["protocol"]) == (gen, old_a, [], "range"), r
    assert b.heartbeat() == NONE  # no rebalance
    d = describe_one(coord.client(), g)
    assert d["state"] == "Stable"
    assert sorted((m["member_id"], m["instance_id"]) for m in d["members"]) == sorted(
        [(a2.id, "inst-a"), (b.id, "inst-b")])
    # the old member id of the instance is fenced (Heartbeat / SyncGroup v3 name the instance)
    assert a.heartbeat(3) == FENCED_INSTANCE_ID
    assert a.sync(v=3)["error"] == FENCED_INSTANCE_ID
    r = a.c.join(5, g, old_a, a.protocols, instance_id="inst-a")
    assert (r["error"], r["member_id"], r["generation"]) == (FENCED_INSTANCE_ID, old_a, -1), r
    # (any existing partition will do for the commit: __consumer_offsets-0)
    r = a.c.commit(7, g, {("__consumer_offsets", 0): (1, "")}, generation=gen, member_id=old_a, instance_id="inst-a")
    assert r["errors"] == {("__consumer_offsets", 0): FENCED_INSTANCE_ID}, r
    # without the instance id the old id is simply unknown
    assert a.heartbeat(2) == UNKNOWN_MEMBER_ID
    # the new id carries on with the instance's assignment
    assert a2.heartbeat() == NONE
    assert a2.sync()["assignment"] == b"a1"

    c = coord.client()
    # a leave naming the instance with the old member id is fenced; with "" it is an admin's
    # leave (kafka-consumer-groups --delete-members / KIP-345) and removes the instance
    r = c.leave(3, g, [(old_a, "inst-a")])
    assert (r["error"], r["members"]) == (NONE, [(old_a, "inst-a", FENCED_INSTANCE_ID)]), r
    assert b.heartbeat() == NONE
    r = c.leave(3, g, [("", "inst-b")])
    assert (r["error"], r["members"]) == (NONE, [("", "inst-b", NONE)]), r
    wait_heartbeat(a2, REBALANCE_IN_PROGRESS)
    r = a2.join()
    assert (r["generation"], r["leader"], r["members"]) == (gen + 1, a2.id, [(a2.id, "inst-a", a2.metadata)]), r


def test_find_coordinator_versions_and_key_types(coord):
    c = coord.client()
    for v in range(3):
        for key in ("group-x", "", "polygenelubricants"):
            r = c.find_coordinator(v, key)
            assert (r["error"], r["node_id"], r["host"], r["port"]) == (NONE, 1, "127.0.0.1", coord.port), (v, r)
    for v in (1, 2):  # an unknown coordinator type is an invalid request, answered with no node
        r = c.call(lambda corr: wire.find_coordinator_req(corr, "group-x", v, key_type=2),
                   lambda p: wire.parse_find_coordinator(p, v))
        assert (r["error"], r["node_id"], r["host"], r["port"]) == (42, -1, "", -1), (v, r)


def test_pending_member_blocks_the_join_until_its_session_expires(coord):
    g = "pending"
    a = coord.member(g, "client-a", version=3, rebalance_timeout_ms=30000)
    stable_group([a])
    # p is told its member id (pending, session 1 s) and never comes back
    p = coord.client("client-p")
    r = p.join(5, g, "", [("range", subscription("t"))], session_timeout_ms=MIN_SESSION_MS)
    assert r["error"] == MEMBER_ID_REQUIRED
    assert a.heartbeat() == NONE  # a pending member does not start a rebalance
    b = coord.member(g, "client-b", version=3, rebalance_timeout_ms=30000)
    t0 = time.monotonic()
    rebalance([a], [b])  # complete only once p's pending id expired, long before 30 s
    took = time.monotonic() - t0
    assert 0.5 <= took < 15, f"the join completed after {took:.1f}s"
    assert a.generation == b.generation == 2
    r = p.join(5, g, r["member_id"], [("range", subscription("t"))], session_timeout_ms=MIN_SESSION_MS)
    assert (r["error"], r["generation"]) == (UNKNOWN_MEMBER_ID, -1), r


def test_members_that_miss_the_rejoin_or_the_sync_are_removed(coord):
    # onCompleteJoin: a dynamic member that did not rejoin within the rebalance timeout is
    # removed, even though its heartbeats kept its session alive
    g = "no-rejoin"
    a, b = (coord.member(g, f"client-{n}", rebalance_timeout_ms=1500) for n in "ab")
    stable_group([a, b])
    x = coord.member(g, "client-x", rebalance_timeout_ms=1500)
    x.begin_join()
    wait_heartbeat(a, REBALANCE_IN_PROGRESS)
    a.begin_join()
    t0 = time.monotonic()
    # b only heartbeats (REBALANCE_IN_PROGRESS) until it is told it is no member any more
    wait_heartbeat(b, UNKNOWN_MEMBER_ID, timeout=15, allowed=(REBALANCE_IN_PROGRESS,))
    assert time.monotonic() - t0 >= 1.0
    ra, rx = a.end_join(), x.end_join()
    assert ra["generation"] == rx["generation"] == 3 and ra["leader"] == a.id
    assert sorted(m for m, _, _ in ra["members"]) == sorted([a.id, x.id])
    sync_all([a, x], {a: b"a", x: b"x"})

    # DelayedSync (KAFKA-12890, 2.8.1+): the leader never sends SyncGroup; after the rebalance
    # timeout it is removed and the follower's waiting SyncGroup is told to rejoin
    g = "no-sync"
    a, b = (coord.member(g, f"client-{n}", rebalance_timeout_ms=1500) for n in "ab")
    stable_group([a, b])
    a.begin_join()  # the leader rejoining in Stable starts a rebalance
    wait_heartbeat(b, REBALANCE_IN_PROGRESS)
    b.begin_join()
    a.end_join(), b.end_join()
    assert a.leader == a.id and a.generation == 3
    b.sync_send()
    t0 = time.monotonic()
    wait_heartbeat(a, UNKNOWN_MEMBER_ID, timeout=15)
    assert time.monotonic() - t0 >= 1.0
    r = b.sync_recv()
    assert (r["error"], r["assignment"]) == (REBALANCE_IN_PROGRESS, b""), r
    r = b.join()
    assert (r["generation"], r["leader"], r["members"]) == (4, b.id, [(b.id, None, b.metadata)]), r


# ---------------------------------------------------------------------------------------------
# Offsets


def fetch_map(client, v, group, topics):
    r = client.fetch(v, group, topics)
    assert r["error"] == (NONE if v >= 2 else None), r
    return {tp: (e["offset"], e["metadata"], e["leader_epoch"], e["error"]) for tp, e in r["offsets"].items()}


def test_offset_commit_and_fetch_without_group_management(coord):
    create_topic(coord.broker, "oc", partitions=3)
    c = coord.client()
    g = "simple-commits"
    # generation -1 and no member id: the group is only used to store offsets (created, Empty)
    commits = [
        (2, {("oc", 0): (10, "m2")}),
        (3, {("oc", 1): (11, "m3")}),
        (4, {("oc", 2): (12, "m4")}),
        (5, {("oc", 0): (20, "m5")}),
        (6, {("oc", 1): (21, "m6", 7)}),
        (7, {("oc", 2): (22, "m7", 8)}),
    ]
    for v, offsets in commits:
        r = c.commit(v, g, offsets)
        assert r["errors"] == {tp: NONE for tp in offsets}, (v, r)
    expect = {("oc", 0): (20, "m5", -1), ("oc", 1): (21, "m6", 7), ("oc", 2): (22, "m7", 8)}
    for v in range(1, 6):
        got = fetch_map(c, v, g, {"oc": [0, 1, 2, 3], "never-committed": [0]})
        want = {tp: (o, m, e if v >= 5 else None, NONE) for tp, (o, m, e) in expect.items()}
        # partitions without a commit (existing or not): -1, "", NONE
        for tp in (("oc", 3), ("never-committed", 0)):
            want[tp] = (-1, "", -1 if v >= 5 else None, NONE)
        assert got == want, (v, got)
    for v in range(2, 6):  # null topics: every committed offset of the group
        got = fetch_map(c, v, g, None)
        assert got == {tp: (o, m, e if v >= 5 else None, NONE) for tp, (o, m, e) in expect.items()}, (v, got)
    # a group nobody committed to: -1 everywhere, no error
    assert fetch_map(c, 5, "nobody-here", {"oc": [0]}) == {("oc", 0): (-1, "", -1, NONE)}

    # null metadata is stored as ""
    assert c.commit(5, g, {("oc", 0): (30, None)})["errors"] == {("oc", 0): NONE}
    assert fetch_map(c, 3, g, {"oc": [0]}) == {("oc", 0): (30, "", None, NONE)}
    # unknown topics and partitions are refused one by one, the rest is stored
    r = c.commit(7, g, {("oc", 0): (31, "ok"), ("oc", 7): (1, ""), ("no-such-topic", 0): (1, "")})
    assert r["errors"] == {("oc", 0): NONE, ("oc", 7): UNKNOWN_TOPIC_OR_PARTITION,
                           ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}, r
    # metadata longer than offset.metadata.max.bytes (4096) is refused for that partition only
    r = c.commit(7, g, {("oc", 1): (40, "x" * 4097), ("oc", 2): (41, "y" * 4096)})
    assert r["errors"] == {("oc", 1): OFFSET_METADATA_TOO_LARGE, ("oc", 2): NONE}, r
    got = fetch_map(c, 5, g, {"oc": [0, 1, 2]})
    assert got == {("oc", 0): (31, "ok", -1, NONE), ("oc", 1): (21, "m6", 7, NONE),
                   ("oc", 2): (41, "y" * 4096, -1, NONE)}, got

    # an absent group with a generation: ILLEGAL_GENERATION, and no group is created
    r = c.commit(7, "absent-with-generation", {("oc", 0): (1, "")}, generation=3, member_id="m")
    assert r["errors"] == {("oc", 0): ILLEGAL_GENERATION}, r
    assert describe_one(c, "absent-with-generation")["state"] == "Dead"
    # "" is a valid group id for OffsetCommit and OffsetFetch (not for the membership APIs)
    assert c.commit(6, "", {("oc", 0): (5, "empty-id")})["errors"] == {("oc", 0): NONE}
    assert fetch_map(c, 5, "", {"oc": [0]}) == {("oc", 0): (5, "empty-id", -1, NONE)}

    # the offsets-only group: Empty, no protocol type, listed with protocol type ""
    d = describe_one(c, g)
    assert (d["state"], d["protocol_type"], d["protocol"], d["members"]) == ("Empty", "", "", []), d
    lg = c.list_groups(2)
    assert lg["error"] == NONE and lg["groups"].get(g) == "", lg
    # any member id goes with generation -1 on an Empty group
    assert c.commit(7, g, {("oc", 0): (32, "")}, member_id="whoever")["errors"] == {("oc", 0): NONE}


def test_offset_commit_in_an_active_group(coord):
    create_topic(coord.broker, "ac", partitions=2)
    g = "active"
    c = coord.client()
    a = coord.member(g, "client-a")
    stable_group([a])
    tp = ("ac", 0)

    def commit(offset, generation=None, member_id=None, v=7, instance_id=None):
        r = c.commit(v, g, {tp: (offset, "")}, generation=a.generation if generation is None else generation,
                     member_id=a.id if member_id is None else member_id, instance_id=instance_id)
        return r["errors"][tp]

    for v in range(2, 8):
        assert commit(100 + v, v=v) == NONE
    assert fetch_map(c, 5, g, {"ac": [0]}) == {tp: (107, "", -1, NONE)}
    assert commit(1, generation=a.generation + 1) == ILLEGAL_GENERATION
    assert commit(1, generation=0) == ILLEGAL_GENERATION
    assert commit(1, generation=-1) == ILLEGAL_GENERATION  # a member must name its generation
    assert commit(1, member_id="ghost") == UNKNOWN_MEMBER_ID
    assert commit(1, generation=-1, member_id="") == UNKNOWN_MEMBER_ID  # -1 only on Empty groups
    assert fetch_map(c, 5, g, {"ac": [0]}) == {tp: (107, "", -1, NONE)}

    b = coord.member(g, "client-b")
    b.begin_join()
    wait_heartbeat(a, REBALANCE_IN_PROGRESS)
    # PreparingRebalance: a member of the current generation may still commit
    assert commit(200) == NONE
    a.begin_join()
    a.end_join(), b.end_join()
    assert a.generation == b.generation == 2
    # CompletingRebalance: the generation is checked first, then REBALANCE_IN_PROGRESS
    assert commit(201, generation=1) == ILLEGAL_GENERATION
    assert commit(201) == REBALANCE_IN_PROGRESS
    assert commit(201, member_id=b.id) == REBALANCE_IN_PROGRESS
    sync_all([a, b], {a: b"a", b: b"b"})
    assert commit(202) == NONE
    assert commit(203, member_id=b.id) == NONE
    assert fetch_map(c, 5, g, {"ac": [0, 1]}) == {tp: (203, "", -1, NONE), ("ac", 1): (-1, "", -1, NONE)}

    # after everyone left the group is Empty: generation -1 commits are accepted again, a
    # member's commit is not (it is no member any more)
    r = c.leave(3, g, [(a.id, None), (b.id, None)])
    assert [e for _, _, e in r["members"]] == [NONE, NONE], r
    assert describe_one(c, g)["state"] == "Empty"
    assert commit(300, generation=2) == UNKNOWN_MEMBER_ID
    assert commit(301, generation=-1, member_id="") == NONE
    assert fetch_map(c, 1, g, {"ac": [0]}) == {tp: (301, "", None, NONE)}


def test_delete_groups(coord):
    create_topic(coord.broker, "dg", partitions=1)
    c = coord.client()
    tp = ("dg", 0)
    assert c.commit(7, "dg-offsets-only", {tp: (5, "")})["errors"] == {tp: NONE}
    s = coord.member("dg-stable", "client-s")
    stable_group([s])
    assert c.commit(7, "dg-stable", {tp: (6, "")}, generation=s.generation, member_id=s.id)["errors"] == {tp: NONE}
    gone = coord.member("dg-left", "client-l")
    stable_group([gone])
    assert c.commit(7, "dg-left", {tp: (7, "")}, generation=gone.generation, member_id=gone.id)["errors"] == {tp: NONE}
    assert c.leave(0, "dg-left", gone.id)["error"] == NONE

    res = c.delete_groups(0, ["dg-stable", "dg-unknown", "dg-offsets-only"])  # (Kafka keeps no order)
    assert len(res) == 3 and dict(res) == {"dg-stable": NON_EMPTY_GROUP, "dg-unknown": GROUP_ID_NOT_FOUND,
                                           "dg-offsets-only": NONE}, res
    assert c.delete_groups(1, ["dg-left"]) == [("dg-left", NONE)]
    for g in ("dg-offsets-only", "dg-left"):
        assert fetch_map(c, 5, g, {"dg": [0]}) == {tp: (-1, "", -1, NONE)}, g
        assert describe_one(c, g)["state"] == "Dead"
    assert c.delete_groups(1, ["dg-offsets-only"]) == [("dg-offsets-only", GROUP_ID_NOT_FOUND)]
    groups = c.list_groups(1)["groups"]
    assert "dg-stable" in groups and "dg-offsets-only" not in groups and "dg-left" not in groups, groups
    # the refused group is untouched
    assert s.heartbeat() == NONE
    assert fetch_map(c, 5, "dg-stable", {"dg": [0]}) == {tp: (6, "", -1, NONE)}
    # a deleted group can be used again from scratch
    again = coord.member("dg-left", "client-again")
    r = again.join()
    assert r["generation"] == 1, r


def test_offset_delete(coord):
    create_topic(coord.broker, "od-sub", partitions=2)
    create_topic(coord.broker, "od-other", partitions=1)
    c = coord.client()
    everything = {"od-sub": [0, 1], "od-other": [0]}

    # Empty group: any offset can be deleted
    g = "od-empty"
    offsets = {("od-sub", 0): (1, ""), ("od-sub", 1): (2, ""), ("od-other", 0): (3, "")}
    assert set(c.commit(7, g, offsets)["errors"].values()) == {NONE}
    r = c.offset_delete(g, {"od-sub": [0]})
    assert (r["error"], r["errors"]) == (NONE, {("od-sub", 0): NONE}), r
    got = fetch_map(c, 5, g, everything)
    assert got == {("od-sub", 0): (-1, "", -1, NONE), ("od-sub", 1): (2, "", -1, NONE),
                   ("od-other", 0): (3, "", -1, NONE)}, got
    r = c.offset_delete(g, {"od-sub": [1], "od-other": [0]})
    assert (r["error"], r["errors"]) == (NONE, {("od-sub", 1): NONE, ("od-other", 0): NONE}), r
    assert {v[0] for v in fetch_map(c, 5, g, everything).values()} == {-1}
    # its last offset gone, the Empty group is removed
    assert describe_one(c, g)["state"] == "Dead"

    # a Stable consumer group keeps the offsets of the topics it subscribes to
    g = "od-consumer"
    a = coord.member(g, "client-a", protocols=[("range", subscription("od-sub"))])
    stable_group([a], {a: wire.consumer_assignment({"od-sub": [0, 1]})})
    r = c.commit(7, g, {("od-sub", 0): (10, ""), ("od-other", 0): (11, "")}, generation=a.generation, member_id=a.id)
    assert set(r["errors"].values()) == {NONE}, r
    r = c.offset_delete(g, {"od-sub": [0], "od-other": [0]})
    assert (r["error"], r["errors"]) == (NONE, {("od-sub", 0): GROUP_SUBSCRIBED_TO_TOPIC, ("od-other", 0): NONE}), r
    got = fetch_map(c, 5, g, {"od-sub": [0], "od-other": [0]})
    assert got == {("od-sub", 0): (10, "", -1, NONE), ("od-other", 0): (-1, "", -1, NONE)}, got
    assert a.heartbeat() == NONE

    # a non-consumer group with members: NON_EMPTY_GROUP for the whole request
    g = "od-connect"
    k = coord.member(g, "client-k", protocol_type="connect", protocols=[("default", b"\x00\x01worker")])
    stable_group([k], {k: b"tasks"})
    r = c.commit(7, g, {("od-other", 0): (12, "")}, generation=k.generation, member_id=k.id)
    assert r["errors"] == {("od-other", 0): NONE}
    r = c.offset_delete(g, {"od-other": [0]})
    assert (r["error"], r["errors"]) == (NON_EMPTY_GROUP, {}), r
    assert fetch_map(c, 5, g, {"od-other": [0]}) == {("od-other", 0): (12, "", -1, NONE)}
    # no such group
    r = c.offset_delete("od-unknown", {"od-other": [0]})
    assert (r["error"], r["errors"]) == (GROUP_ID_NOT_FOUND, {}), r


# ---------------------------------------------------------------------------------------------
# Coordinator placement and robustness


def two_brokers(broker_factory):
    """Brokers 1 and 2 with __consumer_offsets created and led. Returns (coordinator, other,
    group): `group` lives on a partition `coordinator` leads (preferably broker 2, so that
    broker 1, the one clients bootstrap from, is the other)."""
    # the coordinator formula (GroupMetadataManager.partitionFor), checked against Kafka's own
    # answers (kafka-groups-and-producer-state.md §1)
    assert offsets_partition_for("my-group", 50) == 12 and offsets_partition_for("group1", 50) == 40
    assert java_string_hash("polygenelubricants") == INT32_MIN and kafka_abs(INT32_MIN) == 0
    assert offsets_partition_for("polygenelubricants", 50) == 0
    brokers = {i: broker_factory(i, overrides=OVERRIDES) for i in (1, 2)}
    with Client(brokers[1].plaintext_port) as c1:
        def leaders():
            if c1.find_coordinator(0, "probe")["error"] != NONE:  # the first one creates the topic
                return None
            err, parts = wire.metadata(brokers[1].plaintext_port, ["__consumer_offsets"])["topics"].get(
                "__consumer_offsets", (None, {}))
            if err != NONE or len(parts) != OFFSETS_PARTITIONS or any(p[1] < 0 for p in parts.values()):
                return None
            return {i: p[1] for i, p in parts.items()}

        lead = wait_for(leaders, scaled(30), "__consumer_offsets with a leader per partition")
    part = next((p for p, node in sorted(lead.items()) if node == 2), 0)
    coordinator = brokers[lead[part]]
    other = brokers[1 if coordinator.id == 2 else 2]
    group = group_on_partition(part, prefix="placed")
    # both brokers name the coordinator, and it owns the group's partition
    wait_coordinator_ready(coordinator.plaintext_port, coordinator.id, [group], coordinator.plaintext_port)
    wait_coordinator_ready(other.plaintext_port, coordinator.id, [group], coordinator.plaintext_port)
    return coordinator, other, group


def test_not_coordinator(broker_factory):
    coordinator, other, g = two_brokers(broker_factory)
    create_topic(coordinator, "placed-topic", partitions=1)
    tp = ("placed-topic", 0)
    m = Member(Client(coordinator.plaintext_port, "client-a"), g)
    stable_group([m])
    assert m.c.commit(7, g, {tp: (5, "")}, generation=1, member_id=m.id)["errors"] == {tp: NONE}
    with Client(other.plaintext_port) as c:
        for v in range(3):  # any broker names the coordinator, on the listener asked
            r = c.find_coordinator(v, g)
            assert (r["error"], r["node_id"], r["host"], r["port"]) == (
                NONE, coordinator.id, "127.0.0.1", coordinator.plaintext_port), (v, r)
        # every group request to the other broker: NOT_COORDINATOR
        for v in (0, 3, 5):
            r = c.join(v, g, "", [("range", subscription("t"))])
            assert (r["error"], r["generation"], r["member_id"], r["leader"], r["members"]) == (
                NOT_COORDINATOR, -1, "", "", []), (v, r)
            r = c.join(v, g, m.id, [("range", subscription("t"))])
            assert (r["error"], r["member_id"]) == (NOT_COORDINATOR, m.id), (v, r)
        for v in range(4):
            assert c.sync(v, g, 1, m.id)["error"] == NOT_COORDINATOR
            assert c.heartbeat(v, g, 1, m.id) == NOT_COORDINATOR
        for v in range(3):
            assert c.leave(v, g, m.id)["error"] == NOT_COORDINATOR
        assert c.leave(3, g, [(m.id, None)])["error"] == NOT_COORDINATOR
        for v in range(2, 8):
            assert c.commit(v, g, {tp: (6, "")}, generation=1, member_id=m.id)["errors"] == {tp: NOT_COORDINATOR}
        r = c.fetch(1, g, {"placed-topic": [0]})  # v1: the error per partition
        assert r["offsets"] == {tp: {"offset": -1, "leader_epoch": None, "metadata": "", "error": NOT_COORDINATOR}}, r
        for v in range(2, 6):  # v2+: the error alone
            r = c.fetch(v, g, {"placed-topic": [0]})
            assert (r["error"], r["offsets"]) == (NOT_COORDINATOR, {}), (v, r)
        for v in range(5):
            (d,) = c.describe(v, [g])
            assert (d["group_id"], d["error"], d["protocol_type"], d["protocol"], d["members"]) == (
                g, NOT_COORDINATOR, "", "", []), (v, d)
        for v in range(2):
            assert c.delete_groups(v, [g]) == [(g, NOT_COORDINATOR)]
        r = c.offset_delete(g, {"placed-topic": [0]})
        assert (r["error"], r["errors"]) == (NOT_COORDINATOR, {}), r
        # each broker lists the groups it coordinates
        assert g not in c.list_groups(2)["groups"]
    assert m.c.list_groups(2)["groups"].get(g) == "consumer"
    # nothing reached the group
    assert m.heartbeat() == NONE
    assert fetch_map(m.c, 5, g, {"placed-topic": [0]}) == {tp: (5, "", -1, NONE)}


def malformed_join_groups():
    """JoinGroup v5 frames whose bodies cannot be decoded."""
    good = wire.join_group_req(1, 5, "malformed", "", [("range", subscription("t"))])
    size = len(good) - 4
    head = wire.request(wire.API_JOIN_GROUP, 5, 1, b"")[4:]  # header only
    body = good[4 + len(head):]

    def frame(b):
        msg = head + b
        return len(msg).to_bytes(4, "big") + msg

    assert frame(body) == good and size > len(head)
    prefix = wire.string("malformed") + (10000).to_bytes(4, "big") + (10000).to_bytes(4, "big") + wire.string("")
    prefix += wire.string(None) + wire.string("consumer")
    assert body.startswith(prefix)
    return {
        "truncated in the middle": frame(body[: len(body) // 2]),
        "group id length -2": frame(b"\xff\xfe" + body[2:]),
        "2^31-1 protocols, none sent": frame(prefix + b"\x7f\xff\xff\xff"),
        "metadata longer than the frame": frame(prefix + b"\x00\x00\x00\x01" + wire.string("range")
                                                + b"\x40\x00\x00\x00" + b"xyz"),
    }


def test_malformed_join_group_closes_that_connection_only(coord):
    g = "malformed"
    bystander = coord.client()  # connected before anything goes wrong
    a = coord.member(g, "client-a", version=3, rebalance_timeout_ms=3000)
    stable_group([a])
    # b's JoinGroup parks (it starts a rebalance), then its connection sends garbage
    b = coord.member(g, "client-b", version=3, rebalance_timeout_ms=3000)
    b.begin_join()
    wait_heartbeat(a, REBALANCE_IN_PROGRESS)
    b.c.conn.send(malformed_join_groups()["2^31-1 protocols, none sent"])
    assert b.c.conn.wait_closed(scaled(10)), "the broker kept a connection that sent a malformed JoinGroup"
    for what, frame in malformed_join_groups().items():
        with wire.Conn("127.0.0.1", coord.port) as bad:
            bad.send(frame)
            assert bad.wait_closed(scaled(10)), f"connection not closed after a JoinGroup with {what}"
    # the other connections are served as before
    corr, err, _ = wire.parse_api_versions_v0_response(bystander.conn.roundtrip(wire.api_versions_v0(77)))
    assert (corr, err) == (77, NONE)
    assert bystander.find_coordinator(2, g)["error"] == NONE
    # the group carries on: a rejoins and gets the next generation (b, gone with its
    # connection, does not hold the rebalance up beyond the rebalance timeout)
    r = a.join()
    assert (r["generation"], r["leader"]) == (2, a.id), r
    assert a.id in [x[0] for x in r["members"]]
    a.sync([(a.id, b"a")])
    assert a.heartbeat() == NONE
    assert coord.broker.running


def test_restarted_coordinator_answers_load_in_progress_never_a_partial_cache(broker_factory):
    """A restarted coordinator reads its __consumer_offsets partitions back in steps of
    offsets.load.buffer.size (here 1 byte: one batch a step, as Kafka's minOneMessage read).
    Until the group's partition is read to its end, the group's requests get
    COORDINATOR_LOAD_IN_PROGRESS (GroupCoordinator.validateGroupStatus), never an answer from
    a partly read cache: every OffsetFetch answer is that error or every partition's last commit."""
    b = broker_factory(1, overrides={**OVERRIDES, "offsets.load.buffer.size": 1})
    c = Coordinator(b)
    c.client().find_coordinator(0, "probe")  # creates __consumer_offsets
    wait_coordinator_ready(c.port, 1)
    create_topic(b, "ld", partitions=4)
    g = "load-group"
    cl = c.client()
    last = {}
    for i in range(1200):  # one batch per commit: 1200 load steps
        tp = ("ld", i % 4)
        assert cl.commit(7, g, {tp: (i, f"m{i}")})["errors"] == {tp: NONE}
        last[tp] = (i, f"m{i}")
    c.close()
    b.restart()
    seen = set()
    with Client(b.plaintext_port) as cl:

        def loaded():
            r = cl.fetch(5, g, {"ld": [0, 1, 2, 3]})
            seen.add(r["error"])
            if r["error"] in (COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR):
                return False  # not loaded yet, or this broker not yet the partition's leader
            assert r["error"] == NONE, r
            got = {tp: (e["offset"], e["metadata"]) for tp, e in r["offsets"].items()}
            assert got == last, (got, last)
            return True

        poll(loaded, 60, "the group's offsets after the restart", interval=0.001)
        d = describe_one(cl, g)
        assert (d["error"], d["state"]) == (NONE, "Empty"), d
    assert seen <= {NONE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR}, seen


# ---------------------------------------------------------------------------------------------
# Where an early cafka answered differently from Kafka 2.8


def test_describe_groups_error_has_no_state(broker_factory):
    coordinator, other, g = two_brokers(broker_factory)
    with Client(other.plaintext_port) as c:
        for v in range(5):
            (d,) = c.describe(v, [g])
            assert (d["error"], d["state"]) == (NOT_COORDINATOR, ""), (v, d)


def test_leave_group_v3_error_has_no_member_entries(coord):
    c = coord.client()
    r = c.leave(3, "", [("m-1", None), ("", "inst")])
    assert (r["error"], r["members"]) == (INVALID_GROUP_ID, []), r


def test_offset_delete_unknown_topic_partitions(coord):
    create_topic(coord.broker, "odu", partitions=1)
    c = coord.client()
    g = "odu-group"
    assert c.commit(7, g, {("odu", 0): (1, "")})["errors"] == {("odu", 0): NONE}
    r = c.offset_delete(g, {"odu": [0, 4, -1], "no-such-topic": [0]})
    assert r["error"] == NONE, r
    assert r["errors"] == {("odu", 0): NONE, ("odu", 4): UNKNOWN_TOPIC_OR_PARTITION,
                           ("odu", -1): UNKNOWN_TOPIC_OR_PARTITION,
                           ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}, r


def test_offset_commit_unknown_partitions_are_refused_before_the_group_is_consulted(coord):
    create_topic(coord.broker, "ocu", partitions=1)
    c = coord.client()
    # a known and an unknown partition with a generation the (absent) group cannot have
    r = c.commit(7, "ocu-absent", {("ocu", 0): (1, ""), ("no-such-topic", 0): (1, "")}, generation=4, member_id="m")
    assert r["errors"] == {("ocu", 0): ILLEGAL_GENERATION, ("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}, r


def test_offset_commit_of_unknown_partitions_only_creates_no_group(coord):
    c = coord.client()
    # nothing but unknown partitions: the coordinator is not asked, no offsets-only group appears
    r = c.commit(7, "ocu-phantom", {("no-such-topic", 0): (1, "")})
    assert r["errors"] == {("no-such-topic", 0): UNKNOWN_TOPIC_OR_PARTITION}, r
    assert "ocu-phantom" not in c.list_groups(2)["groups"]
    assert describe_one(c, "ocu-phantom")["state"] == "Dead"
