"""Shared pieces of the integration tests: paths, ports, the Broker process wrapper, client
configuration for librdkafka/kcat, topic creation and bounded waiting.

Ports (distinct from the local cluster of scripts/run.sh):
  ZooKeeper ensemble   127.0.0.1:22181, 22182, 22183 (quorum +1000, election +2000)
  broker N             PLAINTEXT 127.0.0.1:29090+2N, SSL 127.0.0.1:29091+2N  (1 -> 29092/29093)
"""

import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import struct
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
BIN_DIR = Path(os.environ.get("CAFKA_BIN_DIR") or (REPO / "build" / "dev" / "bin"))
SERVER_BIN = BIN_DIR / "cafka-server"
ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"

ZK_PORTS = (22181, 22182, 22183)
ZK_HOSTS = ",".join(f"127.0.0.1:{p}" for p in ZK_PORTS)
BROKER_PORT_BASE = 29090

# Bounded waits. CAFKA_TEST_TIMEOUT_SCALE stretches them (e.g. 3 for ASAN builds).
SCALE = float(os.environ.get("CAFKA_TEST_TIMEOUT_SCALE", "1"))
READY_TIMEOUT = 20 * SCALE
STOP_TIMEOUT = 30 * SCALE

# Files naming processes a test session started; a later session kills survivors of a
# session that was itself killed (e.g. by a CTest timeout). Only pids whose command line
# still matches are touched.
STATE_DIR = Path("/tmp/cafka-integration")
PIDS_DIR = STATE_DIR / "pids"


def scaled(seconds):
    return seconds * SCALE


def cut_connections(port):
    """Aborts every established TCP connection to 127.0.0.1:port (ss -K: the kernel resets them,
    as a network fault would, and the peers see a reset). Returns how many were cut."""
    cp = subprocess.run(["ss", "-K", "-t", "-n", "state", "established", "dst", f"127.0.0.1:{port}"],
                        capture_output=True, text=True, timeout=10)
    if cp.returncode != 0:
        raise RuntimeError(f"ss -K failed: {cp.stderr.strip()}")
    return max(0, len(cp.stdout.splitlines()) - 1)


def small_asan_quarantine(monkeypatch):
    """Under ASan freed memory waits in a quarantine (256 MiB by default) before reuse, so a
    broker's RSS and mappings grow with the traffic it has seen, not with what it holds: brokers
    started after this call keep a 4 MiB one. Other builds are unaffected."""
    if "asan" in str(BIN_DIR):
        monkeypatch.setenv("ASAN_OPTIONS", os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4")


def wait_for(cond, timeout, what, interval=0.1):
    """Polls cond() until it returns a truthy value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = cond()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last_exc = e
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"timed out after {timeout:.0f}s waiting for {what}"
                + (f" (last error: {last_exc!r})" if last_exc else "")
            )
        time.sleep(interval)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Stale-process registry


def register_pid(pid, marker):
    PIDS_DIR.mkdir(parents=True, exist_ok=True)
    (PIDS_DIR / str(pid)).write_text(marker)


def unregister_pid(pid):
    try:
        (PIDS_DIR / str(pid)).unlink()
    except FileNotFoundError:
        pass


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def kill_stale_registered():
    if not PIDS_DIR.is_dir():
        return
    for f in PIDS_DIR.iterdir():
        if not f.name.isdigit():
            continue
        pid = int(f.name)
        marker = f.read_text()
        cl = cmdline(pid)
        if cl is not None and marker and marker in cl:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        f.unlink()


# ---------------------------------------------------------------------------------------------
# The broker process


class Broker:
    """One cafka-server process with its own server.properties, data folder and log file.

    stdout and stderr go to `log_path` (appended across restarts, with a marker line per start).
    """

    def __init__(self, zk, certs, workdir, broker_id, chroot, overrides=None, extra_args=()):
        self.zk = zk
        self.certs = certs
        self.id = broker_id
        self.chroot = chroot
        self.plaintext_port = BROKER_PORT_BASE + 2 * broker_id
        self.ssl_port = BROKER_PORT_BASE + 2 * broker_id + 1
        self.dir = Path(workdir) / f"broker-{broker_id}"
        self.data_dir = self.dir / "data"
        self.props_path = self.dir / "server.properties"
        self.log_path = self.dir / "broker.log"
        self.zk_connect = ZK_HOSTS + chroot
        self.extra_args = list(extra_args)
        self.proc = None
        self.preexec_fn = None  # run in the child before exec (resource limits)
        self.returncode = None
        self.exit_expected = False  # set once a test stopped the process or waited for its exit
        self._owner = None  # ephemeralOwner of the last registration seen
        self.props = {
            "broker.id": str(broker_id),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.plaintext_port},SSL://127.0.0.1:{self.ssl_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.plaintext_port},"
            f"SSL://127.0.0.1:{self.ssl_port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "zookeeper.connect": self.zk_connect,
            "zookeeper.session.timeout.ms": "10000",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "auto.create.topics.enable": "true",
            "offsets.topic.replication.factor": "1",
            "group.initial.rebalance.delay.ms": "0",
            # a stop asks the controller to move leaderships first; when they cannot move (the
            # last broker of a test cluster) do not spend Kafka's 3 x 5 s finding that out
            "controlled.shutdown.max.retries": "1",
            "controlled.shutdown.retry.backoff.ms": "200",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(certs.keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(certs.ca),
            "ssl.client.auth": "none",
        }
        for k, v in (overrides or {}).items():
            if v is None:
                self.props.pop(k, None)
            else:
                self.props[k] = str(v)

    # -- addresses

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.plaintext_port}"

    @property
    def ssl_bootstrap(self):
        return f"127.0.0.1:{self.ssl_port}"

    @property
    def endpoints(self):
        return [f"PLAINTEXT://127.0.0.1:{self.plaintext_port}", f"SSL://127.0.0.1:{self.ssl_port}"]

    @property
    def ids_path(self):
        return f"{self.chroot}/brokers/ids/{self.id}"

    # -- process control

    def write_props(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = ["# written by tests/integration (helpers.Broker)"]
        lines += [f"{k}={v}" for k, v in self.props.items()]
        self.props_path.write_text("\n".join(lines) + "\n")

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True, extra_args=None):
        assert not self.running, f"broker {self.id} already running"
        if not SERVER_BIN.exists():
            raise FileNotFoundError(f"{SERVER_BIN} not built (set CAFKA_BIN_DIR or build preset dev)")
        self.write_props()
        args = [str(SERVER_BIN), str(self.props_path)]
        args += self.extra_args if extra_args is None else list(extra_args)
        with open(self.log_path, "ab") as log:
            log.write(f"=== {time.strftime('%H:%M:%S')} test start: {' '.join(args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                args,
                cwd=self.dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self.preexec_fn,
            )
        self.returncode = None
        self.exit_expected = False
        register_pid(self.proc.pid, str(self.props_path))
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Waits until the broker registered a fresh ephemeral /brokers/ids/<id> (a new ZooKeeper
        session, after a restart), accepts connections on both listeners and has its metadata
        from the controller (its Metadata lists itself)."""
        deadline = time.monotonic() + timeout
        old_owner = self._owner
        while True:
            if self.proc.poll() is not None:
                self._reaped()
                self.exit_expected = True  # reported here; teardown need not report it again
                raise RuntimeError(
                    f"broker {self.id} exited with {self.returncode} during start-up\n"
                    + self.log_tail()
                )
            stat = self.zk.exists(self.ids_path)
            if (
                stat is not None
                and stat.ephemeralOwner != 0
                and stat.ephemeralOwner != old_owner
                and port_open(self.plaintext_port)
                and port_open(self.ssl_port)
                and self._knows_itself()
            ):
                self._owner = stat.ephemeralOwner
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"broker {self.id} not ready after {timeout:.0f}s (registered: "
                    f"{stat is not None}, ports {self.plaintext_port}/{self.ssl_port} open: "
                    f"{port_open(self.plaintext_port)}/{port_open(self.ssl_port)})\n" + self.log_tail()
                )
            time.sleep(0.1)

    def _knows_itself(self):
        """True once the controller's UpdateMetadata reached this broker: its Metadata lists
        itself (before that a client would see no brokers and no topics, as with Kafka)."""
        import kafka_wire

        try:
            return self.id in kafka_wire.metadata(self.plaintext_port, topics=[])["brokers"]
        except (OSError, AssertionError, struct.error):
            return False

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the process to exit on its own; returns the exit code (raises on timeout)."""
        self.exit_expected = True
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"broker {self.id} still running after {timeout:.0f}s\n" + self.log_tail())
        self._reaped()
        return self.returncode

    def start_expecting_exit(self, timeout):
        """Starts a broker that should refuse to run (a bad config, a rejected identity) and
        returns its exit code; one still running after @p timeout is killed (and raises)."""
        self.start(wait=False)
        try:
            return self.wait_exit(timeout=timeout)
        finally:
            if self.running:
                self.kill()

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and waits for exit; SIGKILL after timeout (then raises). Returns exit code
        (negative = killed by that signal, as subprocess reports it)."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.exit_expected = True
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                self._reaped()
                raise TimeoutError(
                    f"broker {self.id} ignored signal {sig} for {timeout:.0f}s; killed\n" + self.log_tail()
                )
        self._reaped()
        return self.returncode

    def kill(self):
        return self.stop(signal.SIGKILL, timeout=10)

    def restart(self, wait=True, sig=signal.SIGTERM):
        rc = self.stop(sig)
        self.start(wait=wait)
        return rc

    def _reaped(self):
        if self.proc is not None and self.proc.returncode is not None:
            self.returncode = self.proc.returncode
            unregister_pid(self.proc.pid)

    # -- logs

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=200):
        text = self.log_text().splitlines()
        head = f"--- last {min(lines, len(text))} lines of {self.log_path} ---\n"
        return head + "\n".join(text[-lines:])

    def __repr__(self):
        return f"<Broker {self.id} {self.bootstrap} chroot={self.chroot} pid={self.proc and self.proc.pid}>"


# ---------------------------------------------------------------------------------------------
# Clients


def rdkafka_conf(broker, listener="PLAINTEXT", certs=None, client_cert=False, extra=None):
    """librdkafka configuration (confluent-kafka) for one of the broker's listeners, plus the
    librdkafka properties in `extra`."""
    certs = certs or broker.certs
    if listener == "PLAINTEXT":
        conf = {"bootstrap.servers": broker.bootstrap}
    elif listener == "SSL":
        conf = {
            "bootstrap.servers": broker.ssl_bootstrap,
            "security.protocol": "ssl",
            "ssl.ca.location": str(certs.ca),
        }
        if client_cert:
            conf["ssl.certificate.location"] = str(certs.client_cert)
            conf["ssl.key.location"] = str(certs.client_key)
    else:
        raise ValueError(listener)
    conf.update(extra or {})
    return conf


def kcat_args(broker, listener="PLAINTEXT", certs=None, client_cert=False):
    conf = rdkafka_conf(broker, listener, certs, client_cert)
    args = ["-b", conf.pop("bootstrap.servers")]
    for k, v in conf.items():
        args += ["-X", f"{k}={v}"]
    return args


def kcat(args, input=None, timeout=60, check=True):
    """Runs kcat; returns CompletedProcess with bytes stdout/stderr."""
    cmd = ["kcat"] + list(args)
    try:
        cp = subprocess.run(cmd, input=input, capture_output=True, timeout=scaled(timeout))
    except subprocess.TimeoutExpired as e:
        raise AssertionError(
            f"kcat timed out after {timeout}s: {cmd}\nstderr:\n{(e.stderr or b'').decode(errors='replace')[-4000:]}"
        )
    if check and cp.returncode != 0:
        raise AssertionError(
            f"kcat failed ({cp.returncode}): {cmd}\nstderr:\n{cp.stderr.decode(errors='replace')[-4000:]}"
        )
    return cp


def admin_client(broker, listener="PLAINTEXT", **kw):
    from confluent_kafka.admin import AdminClient

    return AdminClient(rdkafka_conf(broker, listener, **kw))


def wait_topic(broker, topic, partitions, timeout=READY_TIMEOUT, listener="PLAINTEXT", **kw):
    """Waits until Metadata shows topic with `partitions` partitions, each with a leader."""
    admin = admin_client(broker, listener, **kw)

    def ready():
        md = admin.list_topics(topic=topic, timeout=5)
        t = md.topics.get(topic)
        if t is None or t.error is not None or len(t.partitions) != partitions:
            return False
        return all(p.error is None and p.leader >= 0 for p in t.partitions.values())

    wait_for(ready, timeout, f"topic {topic} with {partitions} partitions and leaders")


def create_topic(broker, topic, partitions=1, replication_factor=1, config=None, timeout=READY_TIMEOUT):
    """CreateTopics through confluent-kafka's AdminClient, then waits for leaders."""
    from confluent_kafka.admin import NewTopic

    admin = admin_client(broker)
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor, config=config or {})],
        operation_timeout=10,
        request_timeout=timeout,
    )
    futures[topic].result(timeout=timeout)
    wait_topic(broker, topic, partitions, timeout)


# ---------------------------------------------------------------------------------------------
# ZooKeeper CLI


def zkcli(*command, port=ZK_PORTS[0], timeout=30):
    """Runs one zkCli.sh command; returns (returncode, stdout, stderr) as text."""
    cp = subprocess.run(
        [ZKCLI, "-server", f"127.0.0.1:{port}", *command],
        capture_output=True,
        text=True,
        timeout=scaled(timeout),
    )
    return cp.returncode, cp.stdout, cp.stderr


def zkcli_json(path, **kw):
    """`get path` through zkCli.sh, the data line parsed as JSON."""
    rc, out, err = zkcli("get", path, **kw)
    assert rc == 0, f"zkCli get {path} failed ({rc}):\n{out}\n{err}"
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON line in zkCli output for {path}:\n{out}")


def zkcli_ls(path, **kw):
    """`ls path` through zkCli.sh, the children as a list."""
    rc, out, err = zkcli("ls", path, **kw)
    assert rc == 0, f"zkCli ls {path} failed ({rc}):\n{out}\n{err}"
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            inner = line[1:-1].strip()
            return [c.strip() for c in inner.split(",")] if inner else []
    raise AssertionError(f"no child list in zkCli output for {path}:\n{out}")


def sanitize(name, limit=48):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)[:limit]


def take_session_lock(timeout=1800):
    """Takes the machine-wide lock that serialises test sessions (fixed ports), then removes what
    a killed earlier session left running: registered pids (command line checked) and its
    ZooKeeper ensemble. Returns the open lock file (closing it releases the lock); raises
    TimeoutError when another session keeps it for `timeout` seconds."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    fd = open(STATE_DIR / "lock", "w")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                fd.close()
                raise TimeoutError(f"another cafka test session holds {STATE_DIR / 'lock'}")
            time.sleep(0.5)  # flock has no timed wait: poll the lock itself
    kill_stale_registered()
    last = STATE_DIR / "last-zk-dir"
    if last.exists():
        old = last.read_text().strip()
        if old:
            subprocess.run([str(SCRIPTS / "zk-ensemble.sh"), "stop", old, *map(str, ZK_PORTS)],
                           capture_output=True, timeout=60)
        last.unlink()
    return fd
