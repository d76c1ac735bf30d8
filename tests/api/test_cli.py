"""Starting Dueflow: bundled procedures deployed idempotently (a broken one skipped), demo data, `dueflow worker`,
`dueflow users`."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from api import demo
from api.cli import main as dueflow
from api.server import deploy_bundled, prepare
from engine.domain import Actor, FixedClock, Role, utcnow
from engine.services import cases, procedures, tasks, users
from engine.services.runtime import Runtime
from engine.store import Store
from tests.api.conftest import NOTICE_FILES

INSPECTED = {"findings": "crates", "severity": "serious", "fine_due": True}


def test_bundled_procedures_deploy_once_and_a_broken_folder_is_skipped_with_a_warning(rt, tmp_path):
    (tmp_path / "notice").mkdir()
    for path in NOTICE_FILES:
        (tmp_path / "notice" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "broken.bpmn").write_text("<not bpmn")
    printed: list[str] = []
    assert deploy_bundled(rt, tmp_path, out=printed.append) == {"notice": "notice"}
    assert any(line.startswith("warning: procedure folder broken") for line in printed)
    assert deploy_bundled(rt, tmp_path, out=printed.append) == {"notice": "notice"}
    assert [(p.key, p.version) for p in procedures.list_procedures(rt)] == [("notice", 1)]


def test_demo_data_has_one_user_per_role_and_cases_at_several_stages_and_a_restart_adds_nothing(tmp_path,
                                                                                              monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("DUEFLOW_SECRET", "demo-test-" + "d" * 40)  # prepare() exports both for its workers
    monkeypatch.setenv("DUEFLOW_DB", url)
    printed: list[str] = []
    rt = prepare(url, demo=True, out=printed.append)
    everyone = users.list_users(rt, actor=Actor.system())
    assert sorted(u.role for u in everyone) == sorted(r.value for r in demo.USERS)
    listed, total = cases.list_cases(rt, actor=Actor.system())
    assert total == len(demo.PARTIES) and len({c["stage"] for c in listed}) >= 3
    assert any(demo.PASSWORD in line for line in printed)
    prepare(url, demo=True, out=printed.append)
    assert cases.list_cases(rt, actor=Actor.system())[1] == total
    assert len(users.list_users(rt, actor=Actor.system())) == len(everyone)


def test_users_add_list_disable_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    assert dueflow(["users", "add", "nina", "--role", "officer", "--department", "parks", "--password",
                    "long enough", "--db", url]) == 0
    assert dueflow(["users", "add", "x", "--role", "officer", "--password", "short", "--db", url]) == 1
    assert dueflow(["users", "disable", "nina", "--db", url]) == 0
    assert dueflow(["users", "list", "--db", url]) == 0
    out = capsys.readouterr()
    assert "nina" in out.out and "disabled" in out.out and "password" in out.err


@pytest.mark.slow
def test_dueflow_worker_fires_a_due_timer(tmp_path):
    """A case whose approval deadline passed an hour ago, closed by a separate `dueflow worker` process."""
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    store = Store(url)
    store.migrate()
    rt = Runtime(store, FixedClock(utcnow() - timedelta(hours=37)))
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=Actor.system())
    officer = Actor("olga", Role.OFFICER, "cityscape")
    case = cases.open_case(rt, procedure="notice", data={}, actor=officer)
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTED, actor=officer)
    env = {**os.environ, "DUEFLOW_SECRET": "worker-test-" + "w" * 40}
    worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--db", url, "--interval", "0.2"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if cases.get_case(rt, case_id=case.id, actor=officer).status == "closed":
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
    closed = cases.get_case(rt, case_id=case.id, actor=officer)
    assert closed.status == "closed" and closed.outcome == "closed_unpaid", output
    assert "stopped after firing timers of 1 case(s)" in output
    store.dispose()


def test_migrate_plan_approve_run_revert_from_the_command_line(tmp_path, capsys, monkeypatch):
    """`dueflow migrate` still upgrades the schema; with an action it plans, approves (other eyes), runs, reverts."""
    from engine.bootstrap import build_runtime, settings_from_env
    from tests.builders import FIXTURES

    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    assert dueflow(["migrate", "--db", url]) == 0
    for name, role in (("ada", "admin"), ("alan", "admin"), ("olga", "officer")):
        assert dueflow(["users", "add", name, "--role", role, "--password", "long enough", "--db", url]
                       + (["--department", "cityscape"] if role == "officer" else [])) == 0
    rt = build_runtime(settings_from_env(database_url=url))
    officer = Actor("olga", Role.OFFICER, "cityscape")
    for version in (1, 2):
        files = {"street_order.bpmn": (FIXTURES / "migration" / f"street_order_v{version}.bpmn").read_bytes()}
        procedures.deploy_procedure(rt, files=files, actor=Actor("ada", Role.ADMIN))
        if version == 1:
            case = cases.open_case(rt, procedure="street_order", data={}, actor=officer)
    capsys.readouterr()
    assert dueflow(["migrate", "plan", "street_order", "1", "2", "--map", "inspect_site=inspect_premises",
                    "--reason", "rule 7", "--as", "ada", "--db", url]) == 0
    planned = capsys.readouterr()
    assert f"{case.case_no}" in planned.out and "movable" in planned.out and "planning" in planned.err
    assert dueflow(["migrate", "approve", "1", "--reason", "mine", "--as", "ada", "--db", url]) == 1
    assert "may not approve it" in capsys.readouterr().err
    assert dueflow(["migrate", "approve", "1", "--reason", "checked", "--as", "alan", "--db", url]) == 0
    assert dueflow(["migrate", "run", "1", "--as", "alan", "--db", url]) == 0
    assert '"moved": 1' in capsys.readouterr().out
    assert cases.get_case(rt, case_id=case.id, actor=officer).procedure_version == 2
    assert dueflow(["migrate", "revert", "1", "--reason", "too early", "--as", "ada", "--db", url]) == 0
    assert cases.get_case(rt, case_id=case.id, actor=officer).procedure_version == 1
