"""Task completions per second over HTTP (a real `dueflow serve` process, several client threads), beside the
service-layer rate (complete_task called directly) measured in the same run, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.http_bench [--quick] [--cases 120] [--threads 8] [--pg URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.engine_bench import pg_store
from bench.procedures import sequential_bpmn
from engine.domain import Actor, Role
from engine.services import cases, procedures, tasks, users
from engine.services.runtime import Runtime
from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
SETUP = Actor.system("bench")
OFFICER = Actor("officer", Role.OFFICER, "bench")
PASSWORD = "bench-password"
SECRET = "http-bench-" + "b" * 40


@dataclass
class Result:
    database: str
    workers: int
    threads: int
    service_rate: float
    http_rate: float
    completions: int
    errors: int
    cpu_ms: dict[str, float]  # CPU milliseconds per completion: server processes, database, clients


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, command, CPU seconds so far) of every process, from /proc (Linux only)."""
    ticks, rows = os.sysconf("SC_CLK_TCK"), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    stat = handle.read()
            except OSError:
                continue
            command, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            rows.append((int(entry), int(rest[1]), command, (int(rest[11]) + int(rest[12])) / ticks))
    return rows


def cpu_split(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the server's process tree, of every postgres process, and of this process."""
    rows = _processes()
    tree, grew = {server_pid}, True
    while grew:
        before = len(tree)
        tree |= {pid for pid, parent, _, _ in rows if parent in tree}
        grew = len(tree) > before
    return {"server": sum(cpu for pid, _, _, cpu in rows if pid in tree),
            "postgres": sum(cpu for _, _, command, cpu in rows if command.startswith("postgres")),
            "clients": time.process_time()}


def prepare(store: Store, bpmn: bytes) -> Runtime:
    store.migrate()
    rt = Runtime(store)
    users.add_user(rt, username="officer", password=PASSWORD, role="officer", department="bench", actor=SETUP)
    procedures.deploy_procedure(rt, files={"bench_line.bpmn": bpmn}, actor=SETUP)
    return rt


def open_cases(rt: Runtime, count: int) -> list[str]:
    """First task ids of `count` fresh cases (opening is not what is measured)."""
    return [cases.open_case(rt, procedure="bench_line", data={"party": {"name": f"P{i}"}}, actor=OFFICER)
            .ready_tasks[0].id for i in range(count)]


def service_rate(rt: Runtime, count: int) -> float:
    """complete_task called directly, one thread: the engine's own rate on this database, this run."""
    pending, done = open_cases(rt, count), 0
    started = time.perf_counter()
    while pending:
        following = []
        for task_id in pending:
            view = tasks.complete_task(rt, task_id=task_id, data={}, actor=OFFICER)
            done += 1
            following.extend(t.id for t in view.ready_tasks)
        pending = following
    return done / (time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, workers: int, folder: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DUEFLOW_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "api.cli", "serve", "--db", url, "--port", str(port), "--workers",
               str(workers), "--timer-interval", "0", "--no-access-log"]
    log = open(Path(folder) / f"serve-{port}.log", "w")
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.flush()
            raise RuntimeError(f"dueflow serve exited: {Path(log.name).read_text()[-1500:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                time.sleep(0.5 * workers)  # the other workers finish starting too
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("dueflow serve did not answer in time")


class StdlibClient:
    """Keep-alive JSON POSTs with http.client: about a tenth of httpx's CPU per request, which matters when
    the clients share the server's two cores."""

    def __init__(self, base: str, headers: dict[str, str]):
        host, port = base.rsplit("//", 1)[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {**headers, "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        self.connection.request("POST", path, json.dumps(body), self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())

    def close(self) -> None:
        self.connection.close()


class HttpxClient:
    def __init__(self, base: str, headers: dict[str, str]):
        self.http = httpx.Client(base_url=base, headers=headers, timeout=60)

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        response = self.http.post(path, json=body)
        return response.status_code, response.json()

    def close(self) -> None:
        self.http.close()


CLIENTS = {"stdlib": StdlibClient, "httpx": HttpxClient}


def http_rate(base: str, first_tasks: list[str], threads: int, client: str) -> tuple[float, int, int]:
    """Each thread walks its share of the cases to the end over a keep-alive connection; the wall clock counts."""
    token = httpx.post(f"{base}/api/auth/token", data={"username": "officer", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    shares = [first_tasks[i::threads] for i in range(threads)]
    counts, errors = [0] * threads, [0] * threads
    start = threading.Barrier(threads + 1)

    def walk(index: int) -> None:
        http = CLIENTS[client](base, headers)
        start.wait()
        for task_id in shares[index]:
            while task_id:
                status, body = http.post(f"/api/tasks/{task_id}/complete", {"data": {}})
                if status != 200:
                    errors[index] += 1
                    if sum(errors) == 1:
                        print(f"first error: {status} {body}", file=sys.stderr)
                    break
                counts[index] += 1
                task_id = body["ready_tasks"][0]["id"] if body["ready_tasks"] else None
        http.close()
    workers = [threading.Thread(target=walk, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, sum(counts), sum(errors)


def run(name: str, store: Store, bpmn: bytes, args, workers: int, folder: str) -> Result:
    rt = prepare(store, bpmn)
    rate = service_rate(rt, args.service_cases)
    first = open_cases(rt, args.cases)
    store.dispose()
    process, base = start_server(store.url, workers, folder)
    try:
        before = cpu_split(process.pid)
        http, done, errors = http_rate(base, first, args.threads, args.client)
        after = cpu_split(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    cpu = {part: (after[part] - before[part]) * 1000 / max(done, 1) for part in before}
    return Result(name, workers, args.threads, rate, http, done, errors, cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small run (smoke test of the benchmark itself)")
    parser.add_argument("--cases", type=int, default=240, help="cases walked over HTTP")
    parser.add_argument("--service-cases", type=int, default=60, help="cases walked through complete_task")
    parser.add_argument("--tasks", type=int, default=7)
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="stdlib",
                        help="HTTP client of the threads (httpx costs ~1 ms CPU a request here)")
    parser.add_argument("--sqlite-workers", type=int, default=2, help="uvicorn processes on SQLite (writers take turns)")
    parser.add_argument("--pg-workers", type=int, default=3,
                        help="uvicorn processes on PostgreSQL (more than cores: they overlap database waits)")
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_BENCH_PG",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.service_cases, args.threads = 12, 6, 4
    bpmn = sequential_bpmn(args.tasks)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/bench.db")
        results.append(run("SQLite file (WAL)", store, bpmn, args, args.sqlite_workers, folder))
        pg = pg_store(args.pg) if args.pg else None
        if pg is not None:
            results.append(run("PostgreSQL", pg, bpmn, args, args.pg_workers, folder))
    print(f"{args.cases} cases x {args.tasks} user tasks over HTTP, {args.threads} client threads ({args.client}, "
          f"keep-alive); service layer: {args.service_cases} cases through complete_task in one thread")
    print(f"{'database':18} {'uvicorn workers':>15} {'service layer/s':>16} {'HTTP/s':>7} {'HTTP/service':>12} "
          f"{'errors':>6}   CPU ms per HTTP completion: server + database + clients")
    for r in results:
        database = f"{r.cpu_ms['postgres']:.1f}" if r.database == "PostgreSQL" else "-"
        print(f"{r.database:18} {r.workers:15d} {r.service_rate:16.0f} {r.http_rate:7.0f} "
              f"{r.http_rate / r.service_rate:12.2f} {r.errors:6d}   {r.cpu_ms['server']:.1f} + {database} + "
              f"{r.cpu_ms['clients']:.1f}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
