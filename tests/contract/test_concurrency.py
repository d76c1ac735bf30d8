"""Two people click the same task at the same moment: exactly one wins, one audit event is written."""
import threading

from engine.domain import ConflictError
from engine.services import cases, tasks
from tests.builders import a_case, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "illegal banner", "severity": "minor", "fine_due": False}


def test_two_concurrent_completions_of_one_task_give_one_success(rt):
    the_notice(rt)
    case = a_case(rt)
    task_id = case.ready_tasks[0].id
    barrier, outcomes = threading.Barrier(2), []

    def click(name):
        barrier.wait()
        try:
            tasks.complete_task(rt, task_id=task_id, data=INSPECTION, actor=an_officer(name))
            outcomes.append("ok")
        except ConflictError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=click, args=(name,)) for name in ("olga", "oscar")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "task_already_completed"]
    completed = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                 if e["event_type"] == "task_completed"]
    assert len(completed) == 1
    assert cases.verify_audit(rt, actor=an_auditor())["ok"]


def test_two_processes_sharing_a_database_never_act_on_a_stale_warm_workflow(store, clock):
    """Each runtime keeps recently saved workflows in memory; a step by another process makes them stale."""
    from engine.services.runtime import Runtime
    from tests.builders import a_supervisor

    first, second = Runtime(store, clock), Runtime(store, clock)
    the_notice(first)
    case = a_case(first)
    case = tasks.complete_task(first, task_id=case.ready_tasks[0].id, data=INSPECTION | {"fine_due": True, "severity": "serious"},
                               actor=an_officer())
    # the second process approves: the first process's warm copy still waits for approval
    tasks.complete_task(second, task_id=case.ready_tasks[0].id, data={"approved_by": "sam"}, actor=a_supervisor())
    paid = cases.deliver_message(first, case_id=case.id, name="fine_paid", payload={}, actor=an_officer())
    assert (paid.status, paid.outcome) == ("closed", "closed_paid")
