"""A case that loops a user task through an XOR gateway runs as long as it loops: the stored task tree stays
bounded (engine/workflow/pruning.py), the next round is ready after every completion, the data is the latest,
and the rounds' history is in the task rows and the audit trail. Every step reloads from the database."""
from __future__ import annotations

import pytest

from engine.domain import TaskAlreadyCompletedError
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from engine.store import CaseRecord
from tests.builders import a_case, an_admin, an_auditor, an_officer, files_of

LOOP = files_of("loop.bpmn")


def _rounds(rt: Runtime, rounds: int) -> tuple[int, list[int]]:
    procedures.deploy_procedure(rt, files=LOOP, actor=an_admin())
    view = a_case(rt, "reinspection_loop")
    sizes = []
    for round_ in range(rounds):
        [task] = view.ready_tasks
        assert task.element_id == "reinspect", f"round {round_}: {view.ready_tasks}"
        view = tasks.complete_task(rt, task_id=task.id, data={"fixed": False, "round": round_}, actor=an_officer())
        assert view.status == "open" and [t.element_id for t in view.ready_tasks] == ["reinspect"], \
            f"after round {round_} the next reinspection must be ready"
        if round_ in (5, rounds - 1):
            with rt.store.transaction(write=False) as session:
                sizes.append(len(session.get(CaseRecord, view.id).workflow_state))
    return view.id, sizes


def _loop_case_runs(rt: Runtime, rounds: int) -> None:
    case_id, (early, late) = _rounds(rt, rounds)
    assert late < early * 1.2, f"state grew from {early} to {late} bytes over {rounds} rounds"
    view = cases.get_case(rt, case_id=case_id, actor=an_officer())
    assert view.data["round"] == rounds - 1 and view.deadlines[0]["element_id"] == "reinspection_overdue"
    old = tasks.ready_tasks(rt, actor=an_officer(), case_id=case_id)
    done = tasks.complete_task(rt, task_id=old[0].id, data={"fixed": True}, actor=an_officer())
    assert (done.status, done.outcome) == ("closed", "closed_fixed")
    audit = cases.case_audit(rt, case_id=case_id, actor=an_auditor())
    assert sum(e["event_type"] == "task_completed" for e in audit) == rounds + 1, "every round is on the record"
    assert cases.verify_audit(rt, actor=an_auditor(), case_id=case_id)["ok"]


def test_a_loop_runs_past_the_depth_that_stopped_it(sqlite_store, clock):
    """Before pruning, the case silently had nothing ready after about 500 rounds."""
    _loop_case_runs(Runtime(sqlite_store, clock, warm_cases=0), rounds=1200)


@pytest.mark.postgres
def test_a_loop_keeps_its_state_small_on_postgres(pg_store, clock):
    _loop_case_runs(Runtime(pg_store, clock, warm_cases=0), rounds=150)


def test_a_pruned_round_clicked_again_is_already_completed(rt):
    procedures.deploy_procedure(rt, files=LOOP, actor=an_admin())
    view = a_case(rt, "reinspection_loop")
    first = view.ready_tasks[0].id
    tasks.complete_task(rt, task_id=first, data={"fixed": False}, actor=an_officer())
    with pytest.raises(TaskAlreadyCompletedError):
        tasks.complete_task(rt, task_id=first, data={"fixed": False}, actor=an_officer())


def test_a_loop_around_a_parallel_join_and_a_call_activity_keeps_what_they_need(sqlite_store, clock):
    """The join must still wait for all three branches, in any order, and the called process must still run,
    round after round, past the depth where the unpruned tree stopped (about 100 rounds of this loop)."""
    rt = Runtime(sqlite_store, clock, warm_cases=0)
    files = files_of("loop_parallel.bpmn", "subprocesses/call_site_visit.bpmn")
    procedures.deploy_procedure(rt, files=files, actor=an_admin())
    view = a_case(rt, "parallel_rework", complaint="noise")
    orders = (["notify_owner", "notify_landlord", "notify_committee"],
              ["notify_committee", "notify_owner", "notify_landlord"],
              ["notify_landlord", "notify_committee", "notify_owner"])
    sizes = []
    for round_ in range(130):
        order = orders[round_ % 3]
        for done, element_id in enumerate(order):
            assert sorted(t.element_id for t in view.ready_tasks) == sorted(order[done:]), \
                f"round {round_}: the join must wait for {order[done:]}"
            task = next(t for t in view.ready_tasks if t.element_id == element_id)
            view = tasks.complete_task(rt, task_id=task.id, data={}, actor=an_officer())
        [visit] = view.ready_tasks
        assert visit.element_id == "record_visit", f"round {round_}: the called process runs"
        observed = "fixed" if round_ == 129 else f"still broken ({round_})"
        view = tasks.complete_task(rt, task_id=visit.id, data={"observed": observed}, actor=an_officer())
        if round_ in (5, 128):
            with rt.store.transaction(write=False) as session:
                sizes.append(len(session.get(CaseRecord, view.id).workflow_state))
    assert (view.status, view.outcome) == ("closed", "closed")
    data = cases.get_case(rt, case_id=view.id, actor=an_officer()).data
    assert data["visit_summary"] == "noise: fixed", "the last round's called process returned its data"
    assert sizes[1] < sizes[0] * 1.2, f"state grew from {sizes[0]} to {sizes[1]} bytes"
    assert cases.verify_audit(rt, actor=an_auditor(), case_id=view.id)["ok"]
