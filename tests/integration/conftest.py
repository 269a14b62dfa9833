"""Fixtures for cafka's integration tests: a real 3-node ZooKeeper ensemble, real brokers
($CAFKA_BIN_DIR/cafka-server, default build/dev/bin), real clients (kcat, confluent-kafka,
kafka-python).

Fixtures
  zk_ensemble     (session)  3-node ensemble on 127.0.0.1:22181-22183 (scripts/zk-ensemble.sh)
                             in a pytest temporary folder; stopped at the end of the session.
  zk              (session)  a connected KazooClient on the ensemble, no chroot.
  certs           (session)  test CA, broker and client key pairs (scripts/gen-certs.sh).
  chroot          (function) a ZooKeeper chroot unique to the test, e.g. "/t_test_x_3".
  broker_factory  (function) broker_factory(broker_id=1, overrides=None, extra_args=(),
                             chroot=<the test's chroot>, start=True, wait=True) -> helpers.Broker;
                             brokers are stopped (SIGTERM, then SIGKILL) at teardown.
  broker          (function) broker 1 started with the default configuration.

Every session takes an exclusive lock (/tmp/cafka-integration/lock) because the ports are
fixed, so test files started in parallel (ctest -j) run one after the other. When a test fails,
the logs of the brokers it started are attached to its report.
"""

import fcntl
import itertools
import logging
import subprocess
import types

import pytest

import helpers
from helpers import REPO, SCRIPTS, STATE_DIR, ZK_HOSTS, ZK_PORTS, Broker

logging.getLogger("kazoo").setLevel(logging.WARNING)

_chroot_seq = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _session_lock():
    """Serialises test sessions on this machine (fixed ports) and removes what a killed earlier
    session left running (by recorded pid, command line checked)."""
    try:
        fd = helpers.take_session_lock()
    except TimeoutError as e:
        pytest.fail(str(e))
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        fd.close()


@pytest.fixture(scope="session")
def zk_ensemble(tmp_path_factory):
    d = tmp_path_factory.mktemp("zk")
    script = str(SCRIPTS / "zk-ensemble.sh")
    ports = [str(p) for p in ZK_PORTS]
    (STATE_DIR / "last-zk-dir").write_text(str(d))
    cp = subprocess.run([script, "start", str(d), *ports], capture_output=True, text=True, timeout=120)
    if cp.returncode != 0:
        subprocess.run([script, "stop", str(d), *ports], capture_output=True, timeout=60)
        pytest.fail(f"ZooKeeper ensemble did not start:\n{cp.stdout}\n{cp.stderr}")
    try:
        yield types.SimpleNamespace(dir=d, ports=ZK_PORTS, hosts=ZK_HOSTS)
    finally:
        subprocess.run([script, "stop", str(d), *ports], capture_output=True, timeout=60)
        try:
            (STATE_DIR / "last-zk-dir").unlink()
        except FileNotFoundError:
            pass


@pytest.fixture(scope="session")
def zk(zk_ensemble):
    from kazoo.client import KazooClient

    client = KazooClient(hosts=zk_ensemble.hosts, timeout=10)
    client.start(timeout=30)
    try:
        yield client
    finally:
        client.stop()
        client.close()


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    subprocess.run([str(SCRIPTS / "gen-certs.sh"), str(d)], check=True, capture_output=True, timeout=120)
    return types.SimpleNamespace(
        dir=d,
        ca=d / "ca.pem",
        ca_key=d / "ca.key",
        broker_cert=d / "broker.pem",
        broker_key=d / "broker.key",
        keystore=d / "broker-keystore.pem",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
    )


@pytest.fixture
def chroot(request):
    return f"/t_{helpers.sanitize(request.node.name)}_{next(_chroot_seq)}"


@pytest.fixture
def broker_factory(request, zk, certs, chroot, tmp_path):
    started = []
    request.node._cafka_brokers = started

    def factory(broker_id=1, overrides=None, extra_args=(), chroot=chroot, start=True, wait=True):
        b = Broker(zk, certs, tmp_path, broker_id, chroot, overrides=overrides, extra_args=extra_args)
        started.append(b)
        if start:
            b.start(wait=wait)
        return b

    yield factory
    # Stop what still runs (SIGTERM, SIGKILL after the timeout) and check that every broker
    # either exited cleanly with 0 here or was stopped / waited for by the test itself: a broker
    # that crashed during a test, or whose shutdown fails (e.g. a sanitizer report at exit),
    # fails the test in teardown.
    problems = []
    for b in started:
        if b.proc is None:
            continue
        was_running = b.proc.poll() is None
        died_on_its_own = not was_running and not b.exit_expected
        try:
            rc = b.stop()
        except TimeoutError as e:
            problems.append(str(e))
            continue
        if died_on_its_own:
            problems.append(f"broker {b.id} exited unexpectedly during the test (exit code {rc})\n" + b.log_tail(80))
        elif was_running and rc != 0:
            problems.append(f"broker {b.id}: exit code {rc} after SIGTERM at teardown (expected 0)\n" + b.log_tail(80))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def broker(broker_factory):
    return broker_factory()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and rep.when != "teardown":  # teardown failures carry the log in their message
        for b in getattr(item, "_cafka_brokers", []):
            rep.sections.append((f"broker {b.id} log ({b.log_path})", b.log_tail()))


def pytest_report_header(config):
    return [f"cafka: server {helpers.SERVER_BIN}, ZooKeeper {ZK_HOSTS}, repo {REPO}"]
