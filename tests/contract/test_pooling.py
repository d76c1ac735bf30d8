"""Connection pooling in transaction mode (PgBouncer, issue 14): a transaction may run on any server connection,
so nothing may rely on session state: no session-level SET, no session advisory lock, no prepared statement kept
by the server, and LISTEN only on a direct connection (else the timer loop looks again at its re-check interval)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.services import audit_trail, tasks
from engine.services.runtime import Runtime
from engine.store import APP_ROLE, Store
from tests.builders import a_case, an_auditor, an_officer, the_notice
from tests.conftest import _fresh_postgres, settings_for

ROOT = Path(__file__).resolve().parent.parent.parent
INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}
SESSION_STATE = [
    # SQL in string literals: a quote, then the statement
    (re.compile(r"[\"']\s*SET\s+(?!LOCAL\b)(ROLE|SESSION|search_path|statement_timeout|TIME ZONE)", re.I),
     "session SET"),
    (re.compile(r"pg_advisory_lock\(|pg_try_advisory_lock\("), "session advisory lock"),
    (re.compile(r"[\"']\s*LISTEN\b"), "LISTEN"),
    (re.compile(r"[\"']\s*PREPARE\b"), "PREPARE"),
]
# Where session state is allowed: the direct-connection role hook (not used when pooled) and the LISTEN thread
# (a direct connection of its own, or none when pooled).
ALLOWED = {("engine/store/__init__.py", "session SET"), ("engine/store/deadlines.py", "LISTEN")}


def test_no_engine_code_keeps_session_state_outside_the_two_places_that_know_about_pooling():
    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if "/migrations/" in name:
            continue
        source = path.read_text(encoding="utf-8")
        for pattern, what in SESSION_STATE:
            if pattern.search(source) and (name, what) not in ALLOWED:
                found.append(f"{name}: {what}")
    assert found == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bouncer(pg_database):
    """PgBouncer in transaction mode in front of the test database, with two server connections for many
    clients; the URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.skip("PgBouncer is not installed (scripts/setup-test-tools.sh installs Debian's pgbouncer package "
                    "when run as root with apt)")
    server, name = pg_database.split("@", 1)[1].rsplit("/", 1)
    host, _, port = server.partition(":")
    folder = Path(tempfile.mkdtemp(prefix="dueflow-pgbouncer-"))
    folder.chmod(0o777)  # PgBouncer refuses to run as root: it switches to nobody, who must read and write here
    listen = _free_port()
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n{name} = host={host} port={port or 5432} dbname={name} user=postgres\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {listen}\nauth_type = any\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 200\nunix_socket_dir =\n"
        f"logfile = {folder}/pgbouncer.log\npidfile = {folder}/pgbouncer.pid\n"
        "ignore_startup_parameters = extra_float_digits,options\n")
    command = [binary, str(folder / "pgbouncer.ini")] + (["-u", "nobody"] if os.geteuid() == 0 else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
                pytest.fail(f"PgBouncer did not start: {process.stdout.read().decode() if process.stdout else ''}"
                            f"{log[-1500:]}")
            time.sleep(0.1)
    yield f"postgresql://postgres@127.0.0.1:{listen}/{name}"
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
def test_steps_run_through_pgbouncer_in_transaction_mode_with_no_session_state(pg_database, bouncer, clock,
                                                                                tmp_path):
    _fresh_postgres(pg_database).dispose()
    store = Store(bouncer, pooled=True)
    rt = Runtime(store, clock, settings=settings_for(tmp_path))
    try:
        the_notice(rt)
        opened = [a_case(rt) for _ in range(8)]
        errors: list[BaseException] = []

        def walk(share) -> None:
            try:
                for case in share:
                    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
        threads = [threading.Thread(target=walk, args=(opened[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        # eight clients share two server connections: every transaction still runs as the application role
        users = set()
        for _ in range(12):
            with store.transaction(write=False) as session:
                users.add(session.execute(text("SELECT current_user")).scalar())
        assert users == {APP_ROLE}
        report = audit_trail.verify_audit(rt, actor=an_auditor())
        assert report["ok"] and report["cases"] == 8
        stop = threading.Event()
        started = time.monotonic()
        store.listen_for_deadlines(lambda _due: None, stop)  # pooled, no direct URL: no LISTEN
        assert time.monotonic() - started < 1
    finally:
        store.dispose()
