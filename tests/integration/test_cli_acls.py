"""`cafka acls` (kafka-acls.sh: CreateAcls / DeleteAcls / DescribeAcls through
src/cli/admin_acls.c over src/cli/wire_client.c) against one broker with Kafka's AclAuthorizer
configured (`authorizer.class.name=kafka.security.authorizer.AclAuthorizer`,
`super.users=User:admin`) and a SASL_PLAINTEXT listener whose PLAIN users are admin and alice
(test_sasl.sasl_overrides). The broker talks to itself (controller requests) over that listener as
User:admin, so that its own inter-broker requests pass the authorizer.

Checked: AclCommand's output for --add / --list / --remove, byte for byte where one entry makes
the order plain; --producer and --consumer bindings; prefixed patterns and the `match` filter; the
ACL znodes and change notifications in Kafka's layout and against zk-schema/; a principal that is
not a super user gets CLUSTER_AUTHORIZATION_FAILED until it is granted Cluster:Describe; a broker
without an authorizer answers SECURITY_DISABLED; bad usage exits 1 with AclCommand's message.
"""

import json
import re

from test_cli import cafka, fails, ok
from test_sasl import PLAIN_USERS, sasl_overrides, sasl_ports
from test_zk_tree import check_tree

AUTHORIZER = "kafka.security.authorizer.AclAuthorizer"
CAF = "CLUSTER_AUTHORIZATION_FAILED"


def acl_overrides(broker_id=1):
    o = sasl_overrides(broker_id, mechanisms="PLAIN")
    o.update({
        "authorizer.class.name": AUTHORIZER,
        "super.users": "User:admin",
        # the controller reaches this broker as User:admin (the JAAS line's username/password)
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
    })
    return o


def client_props(tmp_path, user):
    p = tmp_path / f"{user}.properties"
    p.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{user}" password="{PLAIN_USERS[user]}";\n')
    return p


def pattern(rtype, name, ptype="LITERAL"):
    return f"ResourcePattern(resourceType={rtype}, name={name}, patternType={ptype})"


def entry(principal, op, perm="ALLOW", host="*"):
    return f"(principal={principal}, host={host}, operation={op}, permissionType={perm})"


def block(title, pat, entries):
    """AclCommand's println(s"$title `$resource`: $Newline ${acls.map("\\t" + _).mkString(Newline)} $Newline")."""
    return f"{title} `{pat}`: \n " + "\n".join("\t" + e for e in entries) + " \n\n"


BLOCK_HEAD = re.compile(r"^(?:Adding|Current) ACLs for resource `(.*)`: $")
ENTRY_LINE = re.compile(r"^ ?\t(\(principal=.*\)) ?$")


def listing(out):
    """{resource pattern text: set of entry texts} of the "Current ACLs" blocks of @p out."""
    got, current = {}, None
    for line in out.splitlines():
        m = BLOCK_HEAD.match(line)
        if m:
            current = got.setdefault(m.group(1), set()) if line.startswith("Current") else None
            continue
        m = ENTRY_LINE.match(line)
        if m and current is not None:
            current.add(m.group(1))
    return got


def znode_json(zk, path):
    raw, _ = zk.get(path)
    return json.loads(raw)


def change_data(zk, folder):
    return [zk.get(f"{folder}/{c}")[0] for c in sorted(zk.get_children(folder))]


def test_add_list_remove_as_kafka_acls(broker_factory, zk, chroot, tmp_path):
    b = broker_factory(1, overrides=acl_overrides(1))
    sp, _ = sasl_ports(b.id)
    admin = client_props(tmp_path, "admin")

    def acls(*args, config=admin):
        return ("acls", "--bootstrap-server", f"127.0.0.1:{sp}", "--command-config", config, *args)

    t1 = pattern("TOPIC", "t1")
    alice_read = entry("User:alice", "READ")
    out = ok(*acls("--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "t1"))
    assert out == block("Adding ACLs for resource", t1, [alice_read]) + \
        block("Current ACLs for resource", t1, [alice_read]), out
    assert ok(*acls("--list")) == block("Current ACLs for resource", t1, [alice_read])
    assert ok(*acls("--list", "--topic", "t1")) == block("Current ACLs for resource", t1, [alice_read])
    assert ok(*acls("--list", "--principal", "User:alice")) == \
        "ACLs for principal `User:alice`\n" + block("Current ACLs for resource", t1, [alice_read])
    assert ok(*acls("--list", "--principal", "User:bob")) == "ACLs for principal `User:bob`\n"
    assert ok(*acls("--list", "--topic", "other")) == ""

    # Kafka's znode and change notification (LiteralAclChangeStore writes the enum name)
    assert znode_json(zk, f"{chroot}/kafka-acl/Topic/t1") == {
        "version": 1, "acls": [{"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"}]}
    assert b"TOPIC:t1" in change_data(zk, f"{chroot}/kafka-acl-changes")

    # prefixed patterns: their own znode folder and JSON change notifications; `match` finds them
    pay = pattern("TOPIC", "pay-", "PREFIXED")
    out = ok(*acls("--add", "--resource-pattern-type", "prefixed", "--topic", "pay-", "--deny-principal",
                   "User:alice", "--deny-host", "10.0.0.7", "--operation", "Write"))
    alice_deny = entry("User:alice", "WRITE", perm="DENY", host="10.0.0.7")
    assert out == block("Adding ACLs for resource", pay, [alice_deny]) + block("Current ACLs for resource", pay, [alice_deny]), out
    assert znode_json(zk, f"{chroot}/kafka-acl-extended/prefixed/Topic/pay-")["acls"] == [
        {"principal": "User:alice", "permissionType": "Deny", "operation": "Write", "host": "10.0.0.7"}]
    assert {"version": 1, "resourceType": "TOPIC", "name": "pay-", "patternType": "PREFIXED"} in \
        [json.loads(d) for d in change_data(zk, f"{chroot}/kafka-acl-extended-changes")]
    assert listing(ok(*acls("--list", "--topic", "pay-in", "--resource-pattern-type", "match"))) == {pay: {alice_deny}}
    assert listing(ok(*acls("--list", "--topic", "pay-", "--resource-pattern-type", "any"))) == {pay: {alice_deny}}
    assert ok(*acls("--list", "--topic", "pay-")) == ""  # LITERAL by default
    assert listing(ok(*acls("--list"))) == {t1: {alice_read}, pay: {alice_deny}}

    # the tree the authorizer wrote is Kafka's and is described by zk-schema/
    check_tree(zk, chroot)

    # --remove of one entry, then of everything on a filter
    out = ok(*acls("--remove", "--force", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "t1"))
    assert out == "", out  # nothing left on t1 to list
    assert zk.exists(f"{chroot}/kafka-acl/Topic/t1") is None, "an empty ACL set deletes its znode"
    assert ok(*acls("--remove", "--topic", "pay-", "--resource-pattern-type", "prefixed")) == ""
    assert ok(*acls("--list")) == ""
    assert zk.exists(f"{chroot}/kafka-acl-extended/prefixed/Topic/pay-") is None


def test_producer_and_consumer_sets(broker_factory, tmp_path):
    b = broker_factory(1, overrides=acl_overrides(1))
    sp, _ = sasl_ports(b.id)
    admin = client_props(tmp_path, "admin")

    def acls(*args):
        return ("acls", "--bootstrap-server", f"127.0.0.1:{sp}", "--command-config", admin, *args)

    orders, g = pattern("TOPIC", "orders"), pattern("GROUP", "g")
    cluster, tx = pattern("CLUSTER", "kafka-cluster"), pattern("TRANSACTIONAL_ID", "tx")
    out = ok(*acls("--add", "--producer", "--topic", "orders", "--allow-principal", "User:alice"))
    produced = {entry("User:alice", op) for op in ("WRITE", "DESCRIBE", "CREATE")}
    assert listing(out) == {orders: produced}, out
    assert out.startswith(f"Adding ACLs for resource `{orders}`: \n \t"), out

    out = ok(*acls("--add", "--consumer", "--topic", "orders", "--group", "g", "--allow-principal", "User:bob"))
    consumed = {entry("User:bob", op) for op in ("READ", "DESCRIBE")}
    assert listing(out) == {orders: produced | consumed, g: {entry("User:bob", "READ")}}, out

    out = ok(*acls("--add", "--producer", "--idempotent", "--topic", "orders", "--transactional-id", "tx",
                   "--allow-principal", "User:carol"))
    carol = {entry("User:carol", op) for op in ("WRITE", "DESCRIBE", "CREATE")}
    assert listing(out) == {orders: produced | consumed | carol,
                            cluster: {entry("User:carol", "IDEMPOTENT_WRITE")},
                            tx: {entry("User:carol", "WRITE"), entry("User:carol", "DESCRIBE")}}, out

    # --consumer without --group is refused before anything is sent (exit 1, as kafka-acls.sh)
    cp = cafka(*acls("--add", "--consumer", "--topic", "orders", "--allow-principal", "User:bob"))
    assert cp.returncode == 1 and cp.stdout == "", cp
    assert cp.stderr.startswith("Error: With --consumer you must specify a --topic and a --group"), cp.stderr

    # removing the producer set of alice leaves the others'
    ok(*acls("--remove", "--force", "--producer", "--topic", "orders", "--allow-principal", "User:alice"))
    assert listing(ok(*acls("--list", "--topic", "orders"))) == {orders: consumed | carol}
    ok(*acls("--remove", "--force", "--topic", "orders", "--group", "g", "--transactional-id", "tx", "--cluster"))
    assert ok(*acls("--list")) == ""


def test_authorization_of_the_acl_apis(broker_factory, tmp_path):
    b = broker_factory(1, overrides=acl_overrides(1))
    sp, _ = sasl_ports(b.id)
    admin, alice = client_props(tmp_path, "admin"), client_props(tmp_path, "alice")

    def acls(config, *args):
        return ("acls", "--bootstrap-server", f"127.0.0.1:{sp}", "--command-config", config, *args)

    # alice is no super user: DescribeAcls needs Cluster:Describe, CreateAcls Cluster:Alter
    line = fails(*acls(alice, "--list"))
    assert line.startswith(f"Error: while executing ACL command: {CAF}: "), line
    cp = cafka(*acls(alice, "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "t"))
    assert cp.returncode == 1, cp
    assert cp.stdout.startswith("Adding ACLs for resource `"), cp.stdout  # printed before the request
    assert cp.stderr.startswith(f"Error: while executing ACL command: {CAF}: "), cp.stderr
    assert ok(*acls(admin, "--list")) == ""

    # granted Cluster:Describe, alice lists (and still cannot add)
    ok(*acls(admin, "--add", "--allow-principal", "User:alice", "--operation", "Describe", "--cluster"))
    cluster = pattern("CLUSTER", "kafka-cluster")
    assert ok(*acls(alice, "--list")) == block("Current ACLs for resource", cluster, [entry("User:alice", "DESCRIBE")])
    cp = cafka(*acls(alice, "--remove", "--force", "--cluster"))
    assert cp.returncode == 1 and f"{CAF}: " in cp.stderr, cp


def test_security_disabled_and_usage(broker):
    # no authorizer configured: Kafka answers SECURITY_DISABLED
    line = fails("acls", "--bootstrap-server", broker.bootstrap, "--list")
    assert line.startswith("Error: while executing ACL command: SECURITY_DISABLED: "), line
    cp = cafka("acls", "--bootstrap-server", broker.bootstrap, "--add", "--allow-principal", "User:a", "--topic", "t")
    assert cp.returncode == 1 and "SECURITY_DISABLED: " in cp.stderr, cp

    for args, msg in [
        (("--add", "--topic", "t"), "You must specify one of: --allow-principal, --deny-principal when trying to add ACLs."),
        (("--add", "--allow-principal", "User:a"), "You must provide at least one resource"),
        (("--list", "--add"), "Command must include exactly one action: --list, --add, --remove."),
        (("--add", "--allow-principal", "User:a", "--topic", "t", "--operation", "Fly"), "Unknown operation: Fly"),
        (("--add", "--allow-principal", "alice", "--topic", "t"),
         "expected a string in format principalType:principalName but got alice"),
        (("--add", "--resource-pattern-type", "match", "--allow-principal", "User:a", "--topic", "t"),
         "A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls."),
    ]:
        cp = cafka("acls", "--bootstrap-server", broker.bootstrap, *args)
        assert cp.returncode == 1 and cp.stdout == "", (args, cp)
        assert cp.stderr.startswith(f"Error: {msg}") and "usage: cafka acls" in cp.stderr, (args, cp.stderr)
