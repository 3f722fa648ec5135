# common.py - what the benchmark scripts share: paths, servers started and stopped, peak RSS from wait4().
"""Imported by bench.py, bench_pg.py and bench_pickle.py (run from bench/, so `import common`).

    srv, addr = start_server(argv, log_path)   # waits (bounded) for `listening on HOST:PORT`
    code, client_mib = reap(client_popen, 3600) # exit status and peak RSS (ru_maxrss) in MiB
    code, server_mib = stop_server(srv)         # SIGTERM, then reap
    result = pair(name, server_argv, client_argv_of_addr, rows, work)   # one client against a fresh server
"""
import json
import os
import re
import signal
import subprocess
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ITEST = os.path.join(SRC, "tests", "integration")
PY = "/usr/bin/python3"
DEFAULT_BIN = os.path.join(SRC, "build", "embedstream")
READY = re.compile(r"listening on (\S+:\d+)")


def reap(p, timeout):
    """Waits (bounded: SIGKILL after timeout s) for a child; returns (exit status, peak RSS in MiB)
    from wait4(), which only the waiting parent can get."""
    code, mib, _ = reap_usage(p, timeout)
    return code, mib


def reap_usage(p, timeout):
    """reap(), and the CPU-seconds (user + system) the child used: (status, peak MiB, cpu s)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
            return p.returncode, ru.ru_maxrss / 1024.0, ru.ru_utime + ru.ru_stime
        if time.monotonic() > deadline:
            p.kill()
            deadline = time.monotonic() + 30
        time.sleep(0.02)


def read_log(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def spawn(argv, log_path):
    """A process with its stdout and stderr in log_path."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def start_server(argv, log_path, timeout=60):
    """Starts a server logging to log_path; returns (Popen, "HOST:PORT") once it logs that it
    listens. Exits the benchmark with the log if it does not within timeout seconds."""
    p = spawn(argv, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = READY.search(read_log(log_path))
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.02)
    p.kill()
    p.wait()
    raise SystemExit("server did not start:\n" + read_log(log_path))


def stop_server(p, timeout=60):
    """SIGTERM (unless it exited already), then reap(): (exit status, peak RSS in MiB)."""
    if p.returncode is None:
        p.send_signal(signal.SIGTERM)
    return reap(p, timeout)


def stop_server_usage(p, timeout=60):
    """stop_server(), with the server's CPU-seconds: (exit status, peak RSS in MiB, cpu s)."""
    if p.returncode is None:
        p.send_signal(signal.SIGTERM)
    return reap_usage(p, timeout)


def run_client(argv, log_path):
    """Runs a client printing one JSON line: (exit status, wall seconds, peak RSS MiB, the JSON)."""
    t0 = time.monotonic()
    with open(log_path, "wb") as err:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        code, rss = reap(p, 3600)
    wall = time.monotonic() - t0
    try:
        result = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"status": "no output", "exit": code}
    return code, wall, rss, result


def pair(name, server_argv, client_argv, rows, work):
    """A fresh server, one client (client_argv(addr)) sending rows, the server stopped: a result
    dict with rows/s from the client's wall time and both peak RSS figures."""
    srv, addr = start_server(server_argv, os.path.join(work, name + "-server.log"))
    try:
        code, wall, rss, result = run_client(client_argv(addr), os.path.join(work, name + "-client.log"))
    finally:
        _, srv_rss = stop_server(srv)
    ok = code == 0 and result.get("rows_sent") == rows
    return {"pair": name, "ok": ok, "exit": code, "rows_sent": result.get("rows_sent"),
            "wall_s": round(wall, 2), "rows_per_s": round(rows / wall) if ok else 0,
            "client_rss_mib": round(rss, 1), "server_rss_mib": round(srv_rss, 1),
            "message": result.get("message", "")}
