"""The sandbox (issue 8): escape payloads are refused at deploy, by `dueflow lint` and when evaluated; code
that runs too long or allocates too much is stopped and the case keeps its state; the sandbox process
cannot open files or sockets, start processes or read the server's secrets."""
import subprocess
import sys
import textwrap

import pytest

from engine import expressions
from engine.domain import BudgetExceededError, ProcedureInvalidError, UnsafeExpressionError, WorkflowError
from engine.policy.cli import main as lint_main
from engine.services import cases, procedures, tasks
from engine.store import queries
from engine.workflow import SCRIPT_ENGINE
from tests.builders import an_admin, an_officer
from tests.security.payloads import ESCAPES
from tests.security.procedures import probe


@pytest.mark.parametrize("mode, source", ESCAPES, ids=[f"{i:02d}" for i in range(len(ESCAPES))])
def test_every_escape_payload_is_refused_by_the_language_check(mode, source):
    assert expressions.check(source, mode) is not None


@pytest.mark.parametrize("mode, source", ESCAPES, ids=[f"{i:02d}" for i in range(len(ESCAPES))])
def test_every_escape_payload_is_refused_when_evaluated(mode, source):
    with pytest.raises(UnsafeExpressionError):
        if mode == "eval":
            SCRIPT_ENGINE.environment.evaluate(source, {"x": 1})
        else:
            SCRIPT_ENGINE.environment.execute(source, {"x": 1})


def _deploy(rt, files):
    return procedures.deploy_procedure(rt, files=files, actor=an_admin())


@pytest.mark.parametrize("mode, source", ESCAPES, ids=[f"{i:02d}" for i in range(len(ESCAPES))])
def test_every_escape_payload_is_refused_at_deploy_naming_the_element(rt, mode, source):
    files = probe(script=source) if mode == "exec" else probe(condition=source)
    with pytest.raises(ProcedureInvalidError) as refused:
        _deploy(rt, files)
    assert {p.element_id for p in refused.value.problems} == {"compute" if mode == "exec" else "f4"}


def test_dueflow_lint_exits_1_on_every_payload(tmp_path, capsys):
    for index, (mode, source) in enumerate(ESCAPES):
        files = probe(script=source) if mode == "exec" else probe(condition=source)
        folder = tmp_path / f"p{index:02d}"
        folder.mkdir()
        (folder / "probe.bpmn").write_bytes(files["probe.bpmn"])
        assert lint_main([str(folder)]) == 1, source
        assert "EXPRESSION" in capsys.readouterr().out


def test_run_time_guards_refuse_internals_even_of_allowed_names():
    generator = (x for x in [1])
    with pytest.raises(expressions.GuardError):
        expressions.GUARDS["_getattr_"](generator, "gi_frame")
    with pytest.raises(expressions.GuardError):
        expressions.GUARDS["_getattr_"](len, "real")  # an allowed name on a function object
    with pytest.raises(expressions.GuardError):
        expressions.GUARDS["_write_"](len)


def test_a_helper_replaced_by_one_case_is_intact_for_the_next():
    environment = SCRIPT_ENGINE.environment
    before = dict(environment.globals)
    data = {"x": 1}
    environment.execute("working_days_after = 5\ny = x + 1", data)
    assert environment.globals == before and data == {"x": 1, "working_days_after": 5, "y": 2}


# ---- budgets: a runaway step is stopped, nothing of it is written, the case keeps its state -------------

RUNAWAY = {
    "cpu": ("total = 0\nfor i in range(10 ** 11):\n    total += i", BudgetExceededError, "time budget"),
    "memory": ("items = [i for i in range(10 ** 10)]", BudgetExceededError, "memory budget"),
    # past the 4,300 digits JSON will write, yet cheap to compute, so the CPU budget never decides it
    "huge integer": ("big = 10 ** 5000\nresult = 1", WorkflowError, "cannot be stored"),
    "not a number": ("ratio = float('nan')\nresult = 1", WorkflowError, "cannot be stored"),
}


def _open_probe(rt, script):
    _deploy(rt, probe(script=script))
    view = cases.open_case(rt, procedure="probe", data={}, actor=an_officer())
    return view


@pytest.mark.parametrize("kind", sorted(RUNAWAY))
def test_a_runaway_step_is_stopped_and_the_case_keeps_its_state(rt, kind):
    rt.settings = type(rt.settings).ephemeral(script_seconds=0.5, script_memory_mib=128)
    script, error, message = RUNAWAY[kind]
    view = _open_probe(rt, script)
    task = view.ready_tasks[0]
    with rt.store.transaction(write=False) as session:
        before = queries.case(session, view.id)
        state, events = before.workflow_state, before.audit_seq
    with pytest.raises(error, match=message):
        tasks.complete_task(rt, task_id=task.id, data={}, actor=an_officer())
    after = cases.get_case(rt, case_id=view.id, actor=an_officer())
    assert [t.id for t in after.ready_tasks] == [task.id]  # the task is still there to do
    with rt.store.transaction(write=False) as session:
        again = queries.case(session, view.id)
        assert again.workflow_state == state
        failed = queries.last_audit_event(session, view.id)
    # nothing of the step is kept, but the failure is on the case's record and waits as an incident
    assert again.audit_seq == events + 1 and failed.event_type == "incident_opened"
    assert message in failed.payload
    # the pool recovered: an ordinary step of an ordinary procedure still runs
    rt.settings = type(rt.settings).ephemeral()
    _deploy(rt, probe(script="result = 2"))
    fine = cases.open_case(rt, procedure="probe", data={}, actor=an_officer())
    done = tasks.complete_task(rt, task_id=fine.ready_tasks[0].id, data={}, actor=an_officer())
    assert [t.name for t in done.ready_tasks] == ["Check"]


# ---- isolation: what the sandbox process can no longer do, whatever code runs in it ----------------------

_PROBE_LOCKED = textwrap.dedent("""
    import os, socket, sys
    from engine.workflow.sandbox_worker import lock_down
    lock_down(64)
    attempts = {
        "open a file": lambda: open("/etc/hostname"),
        "write a file": lambda: open("/tmp/dueflow-sandbox-probe", "w"),
        "open a socket": lambda: socket.socket(),
        "start a process": lambda: os.fork(),
        "allocate past the budget": lambda: bytearray(512 * 1024 * 1024),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
        except (OSError, MemoryError):
            continue
        print("still could:", name)
    print("secret in environment:", "DUEFLOW_SECRET" in os.environ)
""")


def test_the_locked_down_sandbox_process_cannot_reach_files_sockets_processes_or_secrets():
    from engine.workflow.sandbox import SandboxPool

    env = {"PATH": "/usr/bin:/bin"}  # what SandboxPool gives its workers: no DUEFLOW_* variables
    assert SandboxPool  # the same module the pool starts
    out = subprocess.run([sys.executable, "-I", "-c", _PROBE_LOCKED], capture_output=True, text=True, env=env,
                         cwd="/", timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["secret in environment: False"]
