"""`cafka configs --entity-type users` (kafka-configs.sh's SCRAM credential management through
AlterUserScramCredentials / DescribeUserScramCredentials, src/cli/admin_configs.c over
src/cli/wire_client.c) and `--command-config` with Kafka's client properties
(src/cli/client_config.c) against a broker with SASL listeners (test_sasl.sasl_overrides).
"""

import base64
import hashlib
import hmac
import json
import re
import time

from confluent_kafka import Producer

from helpers import create_topic, scaled, wait_for
from test_cli import cafka, fails, ok
from test_sasl import PLAIN_USERS, auth_fails, produce_consume, sasl_conf, sasl_overrides, sasl_ports

CREDENTIAL = re.compile(r"^salt=([A-Za-z0-9+/=]+),stored_key=([A-Za-z0-9+/=]+),"
                        r"server_key=([A-Za-z0-9+/=]+),iterations=(\d+)$")


def users(bootstrap, *args, config=None):
    extra = ("--command-config", str(config)) if config else ()
    return ("configs", "--bootstrap-server", bootstrap, *extra, *args)


def describe_until(*args, expect):
    """The broker answers DescribeUserScramCredentials from the credentials it authenticates with,
    which follow /config/users through a change notification: poll until @p expect (Kafka 2.8
    reads ZooKeeper and would show it at once)."""
    return wait_for(lambda: (lambda out: out if expect(out) else None)(ok(*args)), scaled(20),
                    f"describe {args} to show the change")


def auth_error(conf, timeout=10):
    """The errors a producer with @p conf reports within @p timeout s (an authentication failure
    shows up at once, unlike a delivery timeout)."""
    errs = []
    p = Producer({**conf, "error_cb": lambda e: errs.append(e)})
    deadline = time.monotonic() + scaled(timeout)
    while not errs and time.monotonic() < deadline:
        p.poll(0.1)
    return [e.str() for e in errs]


def user_znode(zk, chroot, user):
    raw, _ = zk.get(f"{chroot}/config/users/{user}")
    return raw, json.loads(raw)


def check_credential(value, mechanism, password, iterations):
    """@p value is Kafka's ScramCredentialUtils string for @p password: a salt of 130 random bits
    in base 36 (as kafka-configs.sh makes it) and the keys derived from Hi(password)."""
    m = CREDENTIAL.match(value)
    assert m, value
    salt, stored, server, iters = m.groups()
    salt = base64.b64decode(salt)
    assert re.fullmatch(rb"[0-9a-z]{1,26}", salt), salt
    assert int(iters) == iterations
    h = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}[mechanism]
    salted = hashlib.pbkdf2_hmac(h, password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", h).digest()
    assert base64.b64decode(stored) == hashlib.new(h, client_key).digest()
    assert base64.b64decode(server) == hmac.new(salted, b"Server Key", h).digest()


def test_scram_users_alter_describe_authenticate_delete(broker_factory, zk, chroot, tmp_path):
    b = broker_factory(1, overrides=sasl_overrides(1))
    create_topic(b, "sasl-t")
    boot = b.bootstrap  # PLAINTEXT: no --command-config needed

    out = ok(*users(boot, "--entity-type", "users", "--entity-name", "bob", "--alter", "--add-config",
                    "SCRAM-SHA-256=[iterations=8192,password=bob-secret],SCRAM-SHA-512=[password=bob-512]"))
    assert out == "Completed updating config for user bob.\n"
    line = "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=8192, " \
           "SCRAM-SHA-512=iterations=4096\n"
    describe_until(*users(boot, "--describe", "--entity-type", "users", "--entity-name", "bob"),
                   expect=lambda out: out == line)
    assert ok(*users(boot, "--describe", "--user", "bob")) == line
    assert line in ok(*users(boot, "--describe", "--entity-type", "users"))  # every user

    # the znode holds Kafka's credential strings, never the password
    raw, node = user_znode(zk, chroot, "bob")
    assert node["version"] == 1 and sorted(node["config"]) == ["SCRAM-SHA-256", "SCRAM-SHA-512"], node
    check_credential(node["config"]["SCRAM-SHA-256"], "SCRAM-SHA-256", "bob-secret", 8192)
    check_credential(node["config"]["SCRAM-SHA-512"], "SCRAM-SHA-512", "bob-512", 4096)
    assert b"bob-secret" not in raw and b"bob-512" not in raw

    # the credential reaches the broker through /config/changes: cafka's own client (SCRAM over
    # the wire client) authenticates with each mechanism ...
    sp, _ = sasl_ports(b.id)
    sasl_boot = f"127.0.0.1:{sp}"
    props = {}
    for mech, pw in (("SCRAM-SHA-256", "bob-secret"), ("SCRAM-SHA-512", "bob-512")):
        props[mech] = tmp_path / f"bob-{mech}.properties"
        props[mech].write_text(
            f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism={mech}\n"
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
            f'    username="bob" password="{pw}";\n')
        wait_for(lambda m=mech: cafka(*users(sasl_boot, "--describe", "--user", "bob", config=props[m])).stdout == line,
                 scaled(20), f"bob's {mech} credential applied")
    # ... and so does librdkafka (confluent-kafka)
    conf = sasl_conf(b, "SCRAM-SHA-256", "bob", "bob-secret")
    assert not auth_fails(conf)
    assert produce_consume(sasl_conf(b, "SCRAM-SHA-512", "bob", "bob-512"), "sasl-t", 1, n=5) == \
        [b"v%d" % i for i in range(5)]

    # errors: Kafka's messages, exit 1, never a password
    line1 = fails(*users(boot, "--alter", "--user", "bob", "--add-config",
                         "SCRAM-SHA-256=[iterations=1000,password=pw-1000]"))
    assert line1 == "Error: while executing config command : " \
                    "Iterations 1000 is less than the minimum 4096 required for SCRAM-SHA-256", line1
    line2 = fails(*users(boot, "--alter", "--user", "bob", "--add-config",
                         "SCRAM-SHA-256=[iterations=20000,password=pw-20000]"))
    assert line2.endswith(": Too many iterations"), line2
    line3 = fails(*users(boot, "--alter", "--user", "bob", "--add-config", "SCRAM-SHA-256=[pass=pw-bad]"))
    assert "Invalid credential property SCRAM-SHA-256" in line3 and "pw-bad" not in line3, line3
    line4 = fails(*users(boot, "--alter", "--user", "bob", "--add-config", "foo=1"))
    assert line4.endswith("Unexpected config names: Set(foo)"), line4
    line5 = fails(*users(boot, "--alter", "--user", "nobody", "--delete-config", "SCRAM-SHA-512"))
    assert line5.endswith(": Attempt to delete a user credential that does not exist"), line5
    cp = cafka(*users(boot, "--describe", "--user", "nobody"))
    assert cp.returncode == 1 and cp.stdout == "", cp
    assert cp.stderr == ("Error retrieving SCRAM credential configs for user-principal 'nobody': ExecutionException: "
                         "org.apache.kafka.common.errors.ResourceNotFoundException: "
                         "Attempt to describe a user credential that does not exist: nobody\n"), cp.stderr
    for text in (line1, line2, line3, line4, line5, b.log_text()):
        for pw in ("bob-secret", "bob-512", "pw-1000", "pw-20000", "pw-bad"):
            assert pw not in text

    # delete SHA-256 and re-add SHA-512 in one request; SHA-256 authentication fails again
    assert ok(*users(boot, "--alter", "--entity-type", "users", "--entity-name", "bob", "--delete-config",
                     "SCRAM-SHA-256", "--add-config", "SCRAM-SHA-512=[iterations=4100,password=bob-512b]")) == \
        "Completed updating config for user bob.\n"
    describe_until(*users(boot, "--describe", "--user", "bob"), expect=lambda out: out ==
                   "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-512=iterations=4100\n")
    _, node = user_znode(zk, chroot, "bob")
    assert sorted(node["config"]) == ["SCRAM-SHA-512"], node
    check_credential(node["config"]["SCRAM-SHA-512"], "SCRAM-SHA-512", "bob-512b", 4100)
    cp = wait_for(lambda: (lambda cp: cp if cp.returncode == 1 else None)(
        cafka(*users(sasl_boot, "--describe", "--user", "bob", config=props["SCRAM-SHA-256"]))),
        scaled(20), "bob's SCRAM-SHA-256 authentication to fail")
    assert cp.stderr == "Error: while executing config command : Authentication failed during authentication " \
                        "due to invalid credentials with SASL mechanism SCRAM-SHA-256\n", cp.stderr
    assert any("Authentication failed" in e for e in auth_error(conf)), "librdkafka authenticated as bob"
    assert "bob-512b" not in b.log_text()


def test_command_config_with_kafka_client_properties(broker_factory, tmp_path):
    b = broker_factory(1, overrides=sasl_overrides(1))
    create_topic(b, "sasl-t")
    sp, ss = sasl_ports(b.id)
    assert PLAIN_USERS["alice"] == "alice-secret"
    plain = tmp_path / "alice.properties"
    plain.write_text(
        "# Kafka client properties, as for kafka-topics.sh --command-config\n"
        "security.protocol = SASL_PLAINTEXT\n"
        "sasl.mechanism: PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="alice" password="alice-secret";\n')
    sasl_boot = f"127.0.0.1:{sp}"

    assert "sasl-t" in ok("topics", "--bootstrap-server", sasl_boot, "--command-config", plain, "--list").split()
    assert ok(*users(sasl_boot, "--alter", "--entity-type", "users", "--entity-name", "carol", "--add-config",
                     "SCRAM-SHA-512=[password=carol-secret]", config=plain)) == \
        "Completed updating config for user carol.\n"
    describe_until(*users(sasl_boot, "--describe", "--entity-type", "users", config=plain), expect=lambda out: out ==
                   "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=4096\n")
    ok("groups", "--bootstrap-server", sasl_boot, "--command-config", plain, "--list")
    cp = cafka("leader-election", "--bootstrap-server", sasl_boot, "--admin.config", plain, "--election-type",
               "preferred", "--topic", "sasl-t", "--partition", "0")
    assert cp.returncode == 0 and "sasl-t-0" in cp.stdout, cp

    # SASL_SSL with SCRAM and a PEM trust store, in Kafka's names
    tls = tmp_path / "carol-ssl.properties"
    tls.write_text(
        "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="carol" password="carol-secret";\n'
        f"ssl.truststore.type=PEM\nssl.truststore.location={b.certs.ca}\n")
    assert ok(*users(f"127.0.0.1:{ss}", "--describe", "--user", "carol", config=tls)) == \
        "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=4096\n"
    tls_plain = tmp_path / "alice-ssl.properties"
    tls_plain.write_text(plain.read_text().replace("SASL_PLAINTEXT", "SASL_SSL") +
                         f"ssl.truststore.type=PEM\nssl.truststore.location={b.certs.ca}\n")
    assert "sasl-t" in ok("topics", "--bootstrap-server", f"127.0.0.1:{ss}", "--command-config", tls_plain,
                          "--list").split()

    # a wrong password: the broker's message, not the password
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(plain.read_text().replace("alice-secret", "wrong-secret"))
    for args in (users(sasl_boot, "--describe", "--entity-type", "users", config=wrong),
                 ("topics", "--bootstrap-server", sasl_boot, "--command-config", wrong, "--list")):
        cp = cafka(*args, timeout=40)
        assert cp.returncode == 1, cp
        assert "wrong-secret" not in cp.stderr + cp.stdout
    line = fails(*users(sasl_boot, "--describe", "--entity-type", "users", config=wrong))
    assert line.endswith(": Authentication failed: Invalid username or password"), line

    # a Java client property librdkafka lacks: a warning, and the command goes on
    extra = tmp_path / "extra.properties"
    extra.write_text(plain.read_text() + "default.api.timeout.ms=5000\n")
    cp = cafka("topics", "--bootstrap-server", sasl_boot, "--command-config", extra, "--list")
    assert cp.returncode == 0 and "sasl-t" in cp.stdout.split(), cp
    assert "default.api.timeout.ms" in cp.stderr and "alice-secret" not in cp.stderr, cp.stderr
