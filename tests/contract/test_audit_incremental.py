"""Verifying only what is new since the newest signed checkpoint (issue 14): a tampered event written after the
checkpoint is named by the incremental verify; one written before it is the full verify's to find."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from engine import audit
from engine.audit.chain import instant, row_hash
from engine.services import audit_trail, tasks
from tests.builders import a_case, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}


@pytest.fixture
def checkpointed(rt):
    """Two cases and a signed checkpoint over them; then a step on the first case writes new events."""
    the_notice(rt)
    first, second = a_case(rt), a_case(rt)
    signed = audit_trail.take_checkpoint(rt, actor=an_auditor())
    tasks.complete_task(rt, task_id=first.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    return first, second, signed


def full(rt):
    return audit_trail.verify_audit(rt, actor=an_auditor())


def new(rt):
    return audit_trail.verify_audit(rt, actor=an_auditor(), since_checkpoint=True)


def drop_protection(store):
    if store.is_postgres:
        store.execute_sql("DROP TRIGGER audit_event_no_update ON audit_event")
    else:
        store.execute_sql("DROP TRIGGER audit_event_no_update")
        store.execute_sql("DROP TRIGGER audit_event_no_delete")


def seqs_after(rt, case_id, seq):
    return [row[0] for row in rt.store.execute_sql("SELECT seq FROM audit_event WHERE case_id = :c AND seq > :s "
                                                   "ORDER BY seq", c=case_id, s=seq)]


def test_an_intact_log_verifies_since_the_checkpoint_reading_only_the_new_events(rt, checkpointed):
    first, _, signed = checkpointed
    whole, since = full(rt), new(rt)
    assert whole["ok"] and since["ok"] and since["problems"] == []
    assert since["since_checkpoint"] == signed["id"] and whole["since_checkpoint"] is None
    [(signed_seq,)] = rt.store.execute_sql("SELECT count(*) FROM audit_event WHERE case_id = :c AND id <= "
                                           "(SELECT last_event_id FROM audit_checkpoint WHERE id = :k)",
                                           c=first.id, k=signed["id"])
    written = seqs_after(rt, first.id, signed_seq)
    assert written and since["events"] == len(written) and since["cases"] == 1
    assert whole["events"] > since["events"]


def test_a_tampered_event_after_the_checkpoint_is_named_by_the_incremental_verify(rt, checkpointed):
    first, _, signed = checkpointed
    drop_protection(rt.store)
    [(last,)] = rt.store.execute_sql("SELECT max(seq) FROM audit_event WHERE case_id = :c", c=first.id)
    rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE case_id = :c AND seq = :s",
                         c=first.id, s=last)
    report = new(rt)
    assert not report["ok"] and report["since_checkpoint"] == signed["id"]
    [problem] = report["problems"]
    assert (problem["case_id"], problem["seq"], problem["case_no"]) == (first.id, last, first.case_no)
    assert "altered" in problem["problem"]


def test_a_tampered_event_before_the_checkpoint_is_left_to_the_full_verify_which_names_it(rt, checkpointed):
    _, second, _ = checkpointed
    drop_protection(rt.store)
    rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE case_id = :c AND seq = 1", c=second.id)
    assert new(rt)["ok"], "the second case did not change since the checkpoint: the incremental verify skips it"
    [problem] = full(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (second.id, 1) and "altered" in problem["problem"]


def test_a_rewritten_signed_head_is_named_when_its_chain_grows_after_the_checkpoint(rt, checkpointed):
    first, _, signed = checkpointed
    drop_protection(rt.store)
    [(signed_seq,)] = rt.store.execute_sql("SELECT max(seq) FROM audit_event WHERE case_id = :c AND id <= "
                                           "(SELECT last_event_id FROM audit_checkpoint WHERE id = :k)",
                                           c=first.id, k=signed["id"])
    rt.store.execute_sql("UPDATE audit_event SET hash = :h WHERE case_id = :c AND seq = :s", h="f" * 64,
                         c=first.id, s=signed_seq)
    [problem] = new(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, signed_seq)
    assert f"differs from the one checkpoint {signed['id']} signed" in problem["problem"]


def test_new_events_deleted_behind_the_case_row_are_named(rt, checkpointed):
    first, _, _ = checkpointed
    drop_protection(rt.store)
    [(last,)] = rt.store.execute_sql("SELECT max(seq) FROM audit_event WHERE case_id = :c", c=first.id)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = :s", c=first.id, s=last)
    [problem] = new(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, last) and "deleted" in problem["problem"]


def test_without_a_checkpoint_the_incremental_verify_is_the_full_one(rt):
    the_notice(rt)
    a_case(rt)
    whole, since = full(rt), new(rt)
    assert since["ok"] and since["since_checkpoint"] is None and since["events"] == whole["events"] > 0


def test_one_case_and_since_the_checkpoint_together_are_refused(rt, checkpointed):
    first, _, _ = checkpointed
    with pytest.raises(Exception, match="not both"):
        audit_trail.verify_audit(rt, actor=an_auditor(), case_id=first.id, since_checkpoint=True)


@pytest.mark.parametrize("moment", [datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
                                    datetime(2026, 12, 1, 17, 27, 26, 5, tzinfo=timezone.utc)])
@pytest.mark.parametrize("text", ["olga", "王 \"quoted\" \\ back\nline \u2028 \x01", ""])
def test_the_streamed_hash_is_the_canonical_event_hash(moment, text):
    """The verify loop writes the canonical JSON field by field; it must equal the dict-based hash exactly."""
    for element, version in ((None, None), (text, "notice:3")):
        fields = {"case_id": 7, "seq": 12, "occurred_at": moment, "actor": text, "actor_role": "officer",
                  "event_type": "task_completed", "element_id": element, "procedure_version": version,
                  "payload": audit.canonical_json({"findings": text, "n": 1})}
        row = (1, 7, 12, instant(moment), text, "officer", "task_completed", element, version, fields["payload"])
        assert row_hash("a" * 64, row) == audit.event_hash("a" * 64, SimpleNamespace(**fields))


def test_a_sqlite_instant_stored_in_another_shape_hashes_as_the_store_reads_it():
    from engine.store.audit_rows import _sqlite_instant

    assert _sqlite_instant("2026-03-02 09:00:00") == "2026-03-02T09:00:00.000000Z"
    assert _sqlite_instant("2026-03-02T17:00:00.5+08:00") == "2026-03-02T09:00:00.500000Z"
