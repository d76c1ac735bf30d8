"""The audit trail is insert-only and tamper-evident: edits, deletions and reordering done directly in the
database are each found by verify_audit, which names the first broken event of each case."""
import pytest

from engine.services import cases, tasks
from tests.builders import a_case, an_admin, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}


@pytest.fixture
def two_cases(rt):
    the_notice(rt)
    first, second = a_case(rt), a_case(rt)
    tasks.complete_task(rt, task_id=first.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    return first, second


def verify(rt, case_id=None):
    return cases.verify_audit(rt, actor=an_auditor(), case_id=case_id)


def drop_protection(store):
    """What an attacker with database rights would do first: remove the insert-only triggers."""
    if store.is_postgres:
        store.execute_sql("DROP TRIGGER audit_event_no_update ON audit_event")
    else:
        store.execute_sql("DROP TRIGGER audit_event_no_update")
        store.execute_sql("DROP TRIGGER audit_event_no_delete")


def test_an_untouched_log_verifies(rt, two_cases):
    report = verify(rt)
    assert report["ok"] and report["cases"] == 2 and report["problems"] == []
    assert report["events"] == 4 + 2 + 1  # first case (with its deadline_set), second case, the deploy


def test_the_database_refuses_updates_and_deletes_of_audit_rows(rt, two_cases):
    with pytest.raises(Exception, match="insert-only"):
        rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(Exception, match="insert-only"):
        rt.store.execute_sql("DELETE FROM audit_event WHERE seq = 1")


def test_an_edited_event_is_named(rt, two_cases):
    first, second = two_cases
    drop_protection(rt.store)
    rt.store.execute_sql("UPDATE audit_event SET payload = replace(payload, 'blocked', 'cleared') "
                         "WHERE case_id = :c AND seq = 3", c=first.id)
    report = verify(rt)
    assert not report["ok"]
    [problem] = report["problems"]
    assert (problem["case_id"], problem["seq"], problem["case_no"]) == (first.id, 3, first.case_no)
    assert "altered" in problem["problem"]
    assert verify(rt, second.id)["ok"], "the other case's chain is intact"


def test_a_deleted_event_in_the_middle_is_named(rt, two_cases):
    first, _ = two_cases
    drop_protection(rt.store)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = 2", c=first.id)
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, 2) and "missing" in problem["problem"]


def test_deleting_the_last_events_is_detected_from_the_case_head(rt, two_cases):
    first, _ = two_cases
    drop_protection(rt.store)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = 3", c=first.id)
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, 3) and "deleted" in problem["problem"]


def test_deleting_a_whole_chain_is_detected(rt, two_cases):
    _, second = two_cases
    drop_protection(rt.store)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c", c=second.id)
    [problem] = verify(rt)["problems"]
    assert problem["case_id"] == second.id and "deleted" in problem["problem"]


def test_reordered_events_are_detected(rt, two_cases):
    first, _ = two_cases
    drop_protection(rt.store)
    rt.store.execute_sql("UPDATE audit_event SET seq = 99 WHERE case_id = :c AND seq = 2", c=first.id)
    rt.store.execute_sql("UPDATE audit_event SET seq = 2 WHERE case_id = :c AND seq = 3", c=first.id)
    rt.store.execute_sql("UPDATE audit_event SET seq = 3 WHERE case_id = :c AND seq = 99", c=first.id)
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, 2) and "does not follow" in problem["problem"]


def test_a_tampered_system_chain_is_named(rt, two_cases):
    drop_protection(rt.store)
    rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE case_id = 0 AND seq = 1")
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (0, 1)


def test_only_auditors_and_admins_verify(rt, two_cases):
    assert cases.verify_audit(rt, actor=an_admin())["ok"]
    with pytest.raises(Exception):
        cases.verify_audit(rt, actor=an_officer())


def test_no_code_path_updates_or_deletes_audit_rows():
    """The insert-only rule, checked in the source: only engine/audit.py creates AuditEventRecord."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [p for p in list((root / "engine").rglob("*.py")) + list((root / "api").rglob("*.py"))
               if re.search(r"(?<!class )AuditEventRecord\(", p.read_text())]
    assert [p.relative_to(root).as_posix() for p in writers] == ["engine/audit/chain.py"]
    for path in list((root / "engine").rglob("*.py")) + list((root / "api").rglob("*.py")):
        text = path.read_text().lower()
        assert "update audit_event" not in text and "delete from audit_event" not in text, path


def test_a_checkpoint_finds_a_chain_deleted_together_with_its_case_head(rt, two_cases):
    _, second = two_cases
    cases.checkpoint_audit(rt, actor=an_auditor())
    assert verify(rt)["ok"]
    drop_protection(rt.store)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c", c=second.id)
    rt.store.execute_sql("UPDATE enforcement_case SET audit_seq = 0, audit_head = '' WHERE id = :c", c=second.id)
    [problem] = verify(rt)["problems"]
    assert problem["case_id"] == second.id and "checkpoint" in problem["problem"]


def test_truncating_the_system_chain_is_found_by_the_checkpoint(rt, two_cases):
    cases.checkpoint_audit(rt, actor=an_auditor())
    drop_protection(rt.store)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = 0")
    [problem] = verify(rt)["problems"]
    assert problem["case_id"] == 0 and "only 0 remain" in problem["problem"]
