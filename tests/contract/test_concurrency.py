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
