"""The timer loop sleeps until the next deadline and wakes when one is set earlier: a deadline set while it
sleeps fires although its safety re-check is a minute away, in-process and (PostgreSQL) from another process;
two `dueflow worker` processes fire each timer once, including timers that fell due while both were down."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from api.worker import TimerLoop
from engine.domain import Actor, Role, utcnow
from engine.services import cases, procedures, tasks, timers
from engine.services.runtime import Runtime
from tests.api.conftest import NOTICE_FILES

OFFICER = Actor("olga", Role.OFFICER, "cityscape")
INSPECTED = {"findings": "crates", "severity": "serious", "fine_due": True}
APPROVAL = timedelta(hours=36)  # notice.bpmn: the supervisor's approval deadline after the inspection
LONG_RECHECK = 60.0  # longer than any wait below: only a wake-up can make these timers fire in time


def shifted(offset: timedelta):
    """A clock running `offset` away from the real one: set deadlines that fall due seconds from now."""
    return lambda: utcnow() + offset


def inspected_case(rt: Runtime) -> int:
    """A case waiting for approval, whose 36 h deadline is counted from the runtime's clock."""
    case = cases.open_case(rt, procedure="notice", data={}, actor=OFFICER)
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTED, actor=OFFICER)
    return case.id


def timer_events(rt: Runtime, case_id: int) -> list[str]:
    return [e["event_type"] for e in cases.case_audit(rt, case_id=case_id, actor=OFFICER)
            if e["event_type"] in ("timer_fired", "timer_failed", "incident_opened", "step_failed")]


def wait_closed(rt: Runtime, case_ids: list[int], seconds: float = 30.0) -> dict[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        status = {i: cases.get_case(rt, case_id=i, actor=OFFICER).status for i in case_ids}
        if all(s == "closed" for s in status.values()) or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_a_deadline_set_while_the_loop_sleeps_wakes_it(rt, staff):
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=Actor.system())
    rt.clock = utcnow
    # the loop runs 36 h ahead, minus a second: an approval deadline set now falls due for it in about 1 s
    loop = TimerLoop(Runtime(rt.store, shifted(APPROVAL - timedelta(seconds=1))), recheck=LONG_RECHECK)
    loop.start()
    try:
        time.sleep(0.3)  # asleep now, with nothing due: until the re-check a minute away
        case_id = inspected_case(rt)
        assert wait_closed(rt, [case_id], seconds=20) == {case_id: "closed"}
    finally:
        loop.stop()
    assert timer_events(rt, case_id) == ["timer_fired"]
    assert loop.fired == 1


def test_the_loop_skips_a_case_that_cannot_fire_and_fires_the_others(rt, staff, clock):
    """A case whose stored state is unreadable is set aside; the case due after it fires in the same round."""
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=Actor.system())
    broken, healthy = inspected_case(rt), inspected_case(rt)
    rt.store.execute_sql("UPDATE enforcement_case SET workflow_state = '{\"broken\": true}', "
                         "row_version = row_version + 1 WHERE id = :id",
                         id=broken)
    clock.advance(hours=37)
    loop = TimerLoop(rt, recheck=LONG_RECHECK)
    assert loop.run_once() == 1
    assert cases.get_case(rt, case_id=healthy, actor=OFFICER).status == "closed"
    [(status, next_due_at)] = rt.store.execute_sql("SELECT status, next_due_at FROM enforcement_case "
                                                   "WHERE id = :id", id=broken)  # it cannot even be viewed
    assert status == "open" and next_due_at is not None
    assert timers.next_due(rt) > clock.now, "looked at again later, not spun on"
    assert loop.run_once() == 0


def test_due_cases_fired_side_by_side_each_fire_once_and_the_log_verifies(rt, staff, clock):
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=Actor.system())
    ids = [inspected_case(rt) for _ in range(10)]
    clock.advance(hours=37)
    report = timers.fire_due_timers(rt, threads=4, batch=4)  # three batches; on PostgreSQL four threads each
    assert len(report.cases) == len(set(report.cases)) == 10 and report.failed == []
    assert report.next_due_known and report.next_due is None, "nothing waits any more"
    assert {i: timer_events(rt, i) for i in ids} == {i: ["timer_fired"] for i in ids}
    assert cases.verify_audit(rt, actor=Actor("audrey", Role.AUDITOR))["ok"]


# ---- real `dueflow worker` processes on PostgreSQL ----

def worker(url: str, folder) -> subprocess.Popen:
    env = {**os.environ, "DUEFLOW_SECRET": "worker-test-" + "w" * 40}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--db", url, "--recheck",
                             str(LONG_RECHECK)], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_fire_each_timer_once_whether_due_before_they_start_or_set_while_they_sleep(pg_store, tmp_path):
    rt = Runtime(pg_store, shifted(-APPROVAL - timedelta(minutes=5)))
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE_FILES}, actor=Actor.system())
    overdue = [inspected_case(rt) for _ in range(3)]  # fell due five minutes ago, while no worker ran
    workers = [worker(pg_store.url, tmp_path) for _ in range(2)]
    try:
        assert wait_closed(rt, overdue) == {i: "closed" for i in overdue}
        time.sleep(1.0)  # both asleep now, with nothing due until their re-check a minute away
        soon = []
        for seconds in (1, 2, 3):  # set by this process, due within seconds: the workers hear of it by NOTIFY
            rt.clock = shifted(-APPROVAL + timedelta(seconds=seconds))
            soon.append(inspected_case(rt))
        assert wait_closed(rt, soon, seconds=LONG_RECHECK / 2) == {i: "closed" for i in soon}
    finally:
        outputs = [stop(p) for p in workers]
    assert {i: timer_events(rt, i) for i in overdue + soon} == {i: ["timer_fired"] for i in overdue + soon}
    fired = [int(line.split("firing timers of ")[1].split(" case")[0]) for out in outputs
             for line in out.splitlines() if "stopped after firing timers of" in line]
    assert len(fired) == 2 and sum(fired) == 6, outputs
