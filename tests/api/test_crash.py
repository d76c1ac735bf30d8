"""Crash consistency: a real `dueflow serve` is killed (SIGKILL, with its uvicorn children) while client threads
complete tasks, and restarted on the same database, three times per database. Every completion answered 200 is
stored (task closed, audit event present), no case is half-written, and the audit log verifies."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.domain import Actor, Role
from engine.services import cases, procedures, steps, users
from engine.bootstrap import settings_from_env
from engine.services.runtime import Runtime
from engine.store import Store
from tests.api.conftest import NOTICE_FILES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "crash-test-" + "c" * 40
PASSWORD = "long enough"
OFFICER = Actor("olga", Role.OFFICER, "cityscape")
INSPECTED = {"findings": "crates", "severity": "serious", "fine_due": True}
ROUNDS, THREADS, CASES_PER_THREAD = 3, 4, 12  # each case takes two completions: inspect, then approve
KILL_AFTER = 24  # completions answered 200 in a round before the server is killed, the others still sending


class Server:
    """`dueflow serve` in a process group of its own, so SIGKILL reaches the uvicorn workers it spawned."""

    def __init__(self, url: str, folder: Path, workers: int):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url, self.folder, self.workers = url, folder, workers
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = {**os.environ, "DUEFLOW_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
        log = open(self.folder / f"serve-{self.starts}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--db", self.url, "--port", str(self.port), "--workers",
             str(self.workers), "--no-access-log"], cwd=self.folder, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"dueflow serve exited: {self.log()[-2000:]}")
            try:
                if request(self.port, "GET", "/api/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"dueflow serve did not answer within 60 s: {self.log()[-2000:]}")

    def kill(self) -> None:
        """kill -9 the whole process group: the server and every process it started."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the children die with the group, a moment later
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log(self) -> str:
        return (self.folder / f"serve-{self.starts}.log").read_text(errors="replace")


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
            connection: http.client.HTTPConnection | None = None, form: str | None = None) -> tuple[int, dict]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        payload = form.encode()
    else:
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body).encode() if body is not None else b""
    try:
        connection.request(method, path, body=payload or None, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, json.loads(data) if data else {}
    finally:
        if own:
            connection.close()


def token(port: int, username: str) -> str:
    status, body = request(port, "POST", "/api/auth/token", form=f"username={username}&password={PASSWORD}")
    assert status == 200, body
    return body["access_token"]


def drive(port: int, case_tasks: list[str], tokens: dict[str, str], answered: list[tuple[str, int]],
          lock: threading.Lock, enough: threading.Event) -> None:
    """Complete each case's inspection, then its approval, until the server goes away; record every 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for task_id in case_tasks:
            status, view = request(port, "POST", f"/api/tasks/{task_id}/complete", {"data": INSPECTED},
                                   tokens["olga"], connection)
            if status != 200:
                return
            with lock:
                answered.append((task_id, view["id"]))
                if len(answered) >= KILL_AFTER:
                    enough.set()
            approve = view["ready_tasks"][0]["id"]
            status, view = request(port, "POST", f"/api/tasks/{approve}/complete", {"data": {"approved_by": "sam"}},
                                   tokens["sam"], connection)
            if status != 200:
                return
            with lock:
                answered.append((approve, view["id"]))
                if len(answered) >= KILL_AFTER:
                    enough.set()
    except (OSError, http.client.HTTPException):
        return  # the server was killed mid-request: the answer is unknown, so nothing is claimed
    finally:
        connection.close()


def row_version(rt: Runtime, case_id: int) -> int:
    return rt.store.execute_sql("SELECT row_version FROM enforcement_case WHERE id = :id", id=case_id)[0][0]


def assert_consistent(rt: Runtime, answered: list[tuple[str, int]], opened: dict[int, int]) -> None:
    """Every 200 is stored; each case's row, task rows, workflow state and audit chain agree (`opened`: case id
    -> its row version when opened)."""
    case_ids = list(opened)
    audit = {case_id: cases.case_audit(rt, case_id=case_id, actor=OFFICER) for case_id in case_ids}
    for task_id, case_id in answered:
        [(state,)] = rt.store.execute_sql("SELECT state FROM task WHERE id = :id", id=task_id)
        assert state == "completed", f"task {task_id} was answered 200 but is {state}"
        assert any(e["event_type"] == "task_completed" and e["payload"].get("task_id") == task_id
                   for e in audit[case_id]), f"no audit event for the completion of {task_id}"
    for case_id in case_ids:
        [(seq, head, version)] = rt.store.execute_sql(
            "SELECT audit_seq, audit_head, row_version FROM enforcement_case WHERE id = :id", id=case_id)
        events = audit[case_id]
        assert [e["seq"] for e in events] == list(range(1, seq + 1)) and events[-1]["hash"] == head
        completed = {t for (t,) in rt.store.execute_sql(
            "SELECT id FROM task WHERE case_id = :id AND state = 'completed'", id=case_id)}
        assert completed == {e["payload"]["task_id"] for e in events if e["event_type"] == "task_completed"}
        ready = {t for (t,) in rt.store.execute_sql(
            "SELECT id FROM task WHERE case_id = :id AND state = 'ready'", id=case_id)}
        with rt.store.transaction(write=False) as session:
            step = steps.load(rt, session, case_id)
        assert ready == {t.task_id for t in step.run.ready_tasks()}, "task rows and workflow state disagree"
        assert version == opened[case_id] + len(completed), "one versioned write per completion, none lost"


def crash_rounds(store: Store, folder: Path, *, workers: int) -> None:
    # the keys of the installation the server runs in (its var/ folder): events written here and there verify alike
    settings = settings_from_env({"DUEFLOW_SECRET": SECRET}, var=folder / "var", database_url=store.url)
    rt = Runtime(store, settings=settings)
    setup = Actor.system("tests")
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=setup)
    for username, role in (("olga", "officer"), ("sam", "supervisor"), ("audrey", "auditor")):
        users.add_user(rt, username=username, password=PASSWORD, role=role,
                       department=None if role == "auditor" else "cityscape", actor=setup)
    server = Server(store.url.replace("postgresql+psycopg://", "postgresql://"), folder, workers)
    server.start()
    every_case: dict[int, int] = {}
    every_answer: list[tuple[str, int]] = []
    try:
        for _ in range(ROUNDS):
            opened = [cases.open_case(rt, procedure="notice", data={}, actor=OFFICER)
                      for _ in range(THREADS * CASES_PER_THREAD)]
            every_case.update({c.id: row_version(rt, c.id) for c in opened})
            tokens = {name: token(server.port, name) for name in ("olga", "sam")}
            answered: list[tuple[str, int]] = []
            lock, enough = threading.Lock(), threading.Event()
            threads = [threading.Thread(target=drive, args=(
                server.port, [c.ready_tasks[0].id for c in opened[n::THREADS]], tokens, answered, lock, enough))
                for n in range(THREADS)]
            for thread in threads:
                thread.start()
            assert enough.wait(60), f"the load did not get going: {server.log()[-2000:]}"
            server.kill()
            for thread in threads:
                thread.join(30)
            assert len(answered) < 2 * len(opened), "killed mid-load: some completions got no answer"
            every_answer += answered
            server.start()
            assert_consistent(rt, every_answer, every_case)
            status, report = request(server.port, "GET", "/api/audit/verify", token=token(server.port, "audrey"))
            assert status == 200 and report["ok"] is True and report["problems"] == [], report
    finally:
        server.stop()


def test_killing_the_server_under_load_loses_no_answered_completion_sqlite(sqlite_store, tmp_path):
    crash_rounds(sqlite_store, tmp_path, workers=1)


@pytest.mark.postgres
def test_killing_the_server_under_load_loses_no_answered_completion_postgres(pg_store, tmp_path):
    crash_rounds(pg_store, tmp_path, workers=2)
