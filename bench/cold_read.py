#!/usr/bin/python3
"""Cold-read stall probe (KAFKA-7504), run by scripts/bench.sh: while a consumer reads a topic
whose segments are not in the page cache, another connection sends ApiVersions requests every
5 ms and records their round trips. A reactor that blocked on the cold reads would show it in
those latencies. Prints p50/p99/max of the probe before and during the cold read.

usage: cold_read.py HOST PORT TOPIC_DIR CONSUME_CMD...
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time


def drop_cache(folder):
    n = 0
    for name in os.listdir(folder):
        fd = os.open(os.path.join(folder, name), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
        n += 1
    return n


def probe(host, port, stop, out):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    corr = 0
    while not stop.is_set():
        corr += 1
        msg = struct.pack(">hhi", 18, 0, corr) + struct.pack(">h", 5) + b"probe"
        t0 = time.monotonic()
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
        s.recv(size, socket.MSG_WAITALL)
        out.append((time.monotonic() - t0) * 1000)
        time.sleep(0.005)
    s.close()


def summary(lat):
    lat = sorted(lat)
    if not lat:
        return "no samples"
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return f"{len(lat)} probes, p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, max {lat[-1]:.2f} ms"


def main():
    host, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[4:]
    idle, stop = [], threading.Event()
    t = threading.Thread(target=probe, args=(host, port, stop, idle))
    t.start()
    time.sleep(2)
    stop.set()
    t.join()
    files = drop_cache(folder)
    cold, stop = [], threading.Event()
    t = threading.Thread(target=probe, args=(host, port, stop, cold))
    t.start()
    t0 = time.monotonic()
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    stop.set()
    t.join()
    print(f"cold read: {files} files dropped from the page cache; consumer: {cp.stdout.strip()}")
    print(f"  probe latency, idle broker:           {summary(idle)}")
    print(f"  probe latency, during the cold read:  {summary(cold)} ({time.monotonic() - t0:.1f} s)")


if __name__ == "__main__":
    main()
