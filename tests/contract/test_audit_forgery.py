"""Forgeries by someone holding the database's owner rights but not the keys outside it (issue 8, section 3):
each one that verify missed before keyed tags, signed checkpoints and the witness file is reported now."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from engine import audit
from engine.services import audit_trail, cases, tasks
from engine.audit import checkpoints
from engine.audit.merkle import heads_leaves
from engine.store import AuditCheckpointRecord, AuditEventRecord
from tests.builders import a_case, a_supervisor, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}
WRONG_KEY = b"the attacker's guess at the audit key"


@pytest.fixture
def two_cases(rt):
    the_notice(rt)
    first, second = a_case(rt), a_case(rt)
    tasks.complete_task(rt, task_id=first.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    return first, second


def verify(rt, case_id=None):
    return cases.verify_audit(rt, actor=an_auditor(), case_id=case_id)


def checkpoint(rt):
    return audit_trail.take_checkpoint(rt, actor=an_auditor())


def drop_protection(store):
    """What an attacker with the owner's rights does first: remove the insert-only triggers."""
    if store.is_postgres:
        store.execute_sql("DROP TRIGGER audit_event_no_update ON audit_event")
        store.execute_sql("DROP TRIGGER audit_checkpoint_no_update ON audit_checkpoint")
    else:
        for name in ("audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update",
                     "audit_checkpoint_no_delete"):
            store.execute_sql(f"DROP TRIGGER {name}")


def events_of(store, chain):
    rows = store.execute_sql("SELECT seq, occurred_at, actor, actor_role, event_type, element_id, "
                             "procedure_version, payload, prev_hash, hash, tag FROM audit_event "
                             "WHERE case_id = :c ORDER BY seq", c=chain)
    return [dict(zip(("seq", "occurred_at", "actor", "actor_role", "event_type", "element_id", "procedure_version",
                      "payload", "prev_hash", "hash", "tag"), row)) for row in rows]


def _moment(store, value):
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def sealed(chain, seq, prev, fields, key=WRONG_KEY):
    """An event with a correct public hash (the algorithm is public) and a tag under `key`."""
    event = AuditEventRecord(case_id=chain, seq=seq, prev_hash=prev, **fields)
    event.hash = audit.event_hash(prev, event)
    event.tag = hmac.new(key, event.hash.encode(), hashlib.sha256).hexdigest()
    return event


def insert(store, event):
    at = event.occurred_at
    stored_at = at if store.is_postgres else at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    store.execute_sql("INSERT INTO audit_event (case_id, seq, occurred_at, actor, actor_role, event_type, "
                      "element_id, procedure_version, payload, prev_hash, hash, tag) VALUES (:case_id, :seq, :at, "
                      ":actor, :role, :type, :element, :version, :payload, :prev, :hash, :tag)",
                      case_id=event.case_id, seq=event.seq, at=stored_at, actor=event.actor, role=event.actor_role,
                      type=event.event_type, element=event.element_id, version=event.procedure_version,
                      payload=event.payload, prev=event.prev_hash, hash=event.hash, tag=event.tag)


def move_head(store, case_id, seq, head):
    store.execute_sql("UPDATE enforcement_case SET audit_seq = :s, audit_head = :h WHERE id = :c",
                      s=seq, h=head, c=case_id)


def only_problem(report):
    assert not report["ok"]
    return report["problems"][0]


def test_an_event_inserted_with_a_correct_hash_and_a_moved_head_is_named(rt, two_cases):
    first, _ = two_cases
    last = events_of(rt.store, first.id)[-1]
    forged = sealed(first.id, last["seq"] + 1, last["hash"], dict(
        occurred_at=_moment(rt.store, last["occurred_at"]) + timedelta(minutes=1), actor="olga",
        actor_role="officer", event_type="case_closed", element_id=None, procedure_version=None,
        payload=audit.canonical_json({"outcome": "no_violation"})))
    insert(rt.store, forged)  # no trigger to drop: inserting is what the application may do
    move_head(rt.store, first.id, forged.seq, forged.hash)
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (first.id, forged.seq)
    assert "no valid tag" in problem["problem"]


def test_a_forged_user_added_on_the_system_chain_is_named(rt, two_cases):
    last = events_of(rt.store, 0)[-1]
    forged = sealed(0, last["seq"] + 1, last["hash"], dict(
        occurred_at=_moment(rt.store, last["occurred_at"]), actor="ada", actor_role="admin",
        event_type="user_added", element_id=None, procedure_version=None,
        payload=audit.canonical_json({"username": "mallory", "role": "admin", "department": None})))
    insert(rt.store, forged)
    [problem] = verify(rt)["problems"]
    assert (problem["case_id"], problem["seq"]) == (0, forged.seq) and "no valid tag" in problem["problem"]


def rewrite_from(store, chain, seq, key, change):
    """Rewrite event `seq` with `change` and recompute every later hash (and tag under `key`), moving the head."""
    drop_protection(store)
    events = events_of(store, chain)
    prev = events[seq - 2]["hash"] if seq > 1 else audit.GENESIS
    for row in events[seq - 1:]:
        fields = {k: row[k] for k in ("actor", "actor_role", "event_type", "element_id", "procedure_version",
                                      "payload")}
        fields["occurred_at"] = _moment(store, row["occurred_at"])
        if row["seq"] == seq:
            fields = change(fields)
        event = sealed(chain, row["seq"], prev, fields, key=key)
        store.execute_sql("UPDATE audit_event SET payload = :p, prev_hash = :prev, hash = :h, tag = :t "
                          "WHERE case_id = :c AND seq = :s", p=event.payload, prev=prev, h=event.hash,
                          t=event.tag, c=chain, s=row["seq"])
        prev = event.hash
    if chain:
        move_head(store, chain, events[-1]["seq"], prev)


def cleared(fields):
    return {**fields, "payload": fields["payload"].replace("blocked", "cleared")}


def test_a_rewritten_and_recomputed_chain_is_named_at_the_rewritten_event(rt, two_cases):
    first, _ = two_cases
    checkpoint(rt)
    seq = next(e["seq"] for e in events_of(rt.store, first.id) if "blocked" in e["payload"])
    rewrite_from(rt.store, first.id, seq, WRONG_KEY, cleared)
    problem = only_problem(verify(rt))
    assert (problem["case_id"], problem["seq"]) == (first.id, seq) and "no valid tag" in problem["problem"]


def test_even_with_a_stolen_audit_key_a_rewrite_disagrees_with_the_signed_checkpoint(rt, two_cases):
    first, _ = two_cases
    checkpoint(rt)
    seq = next(e["seq"] for e in events_of(rt.store, first.id) if "blocked" in e["payload"])
    rewrite_from(rt.store, first.id, seq, rt.settings.audit_key, cleared)
    problem = only_problem(verify(rt))
    assert problem["case_id"] == first.id and "checkpoint" in problem["problem"]
    assert "rewritten" in problem["problem"]


def test_deleting_the_last_event_and_moving_the_head_back_is_found_by_the_checkpoint(rt, two_cases):
    first, _ = two_cases
    checkpoint(rt)
    drop_protection(rt.store)
    events = events_of(rt.store, first.id)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = :s", c=first.id, s=events[-1]["seq"])
    move_head(rt.store, first.id, events[-2]["seq"], events[-2]["hash"])
    problem = only_problem(verify(rt))
    assert problem["case_id"] == first.id and f"only {len(events) - 1} remain" in problem["problem"]


def test_deleting_the_last_event_and_the_checkpoints_too_is_found_by_the_witness(rt, two_cases):
    first, _ = two_cases
    checkpoint(rt)
    drop_protection(rt.store)
    events = events_of(rt.store, first.id)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = :s", c=first.id, s=events[-1]["seq"])
    move_head(rt.store, first.id, events[-2]["seq"], events[-2]["hash"])
    rt.store.execute_sql("DELETE FROM audit_checkpoint")
    problem = only_problem(verify(rt))
    assert "witness file is missing from the database" in problem["problem"]


def test_a_case_deleted_together_with_the_checkpoint_rows_is_found_by_the_witness(rt, two_cases):
    _, second = two_cases
    checkpoint(rt)
    drop_protection(rt.store)
    for sql in ("DELETE FROM audit_event WHERE case_id = :c", "DELETE FROM task WHERE case_id = :c",
                "DELETE FROM party_access WHERE case_id = :c", "DELETE FROM document WHERE case_id = :c",
                "DELETE FROM enforcement_case WHERE id = :c"):
        rt.store.execute_sql(sql, c=second.id)
    rt.store.execute_sql("DELETE FROM audit_checkpoint")
    report = verify(rt)
    assert not report["ok"]
    assert any("witness file is missing from the database" in p["problem"] for p in report["problems"])


def test_a_checkpoint_signed_with_another_key_is_named(rt, two_cases):
    """The attacker rewrites a chain, then adds a checkpoint over the new heads signed with a key of their own."""
    first, _ = two_cases
    checkpoint(rt)
    seq = next(e["seq"] for e in events_of(rt.store, first.id) if "blocked" in e["payload"])
    rewrite_from(rt.store, first.id, seq, rt.settings.audit_key, cleared)
    with rt.store.transaction() as session:
        heads = checkpoints.current_heads(session)
        own = checkpoints.signer(b"the attacker's own seed")
        at, events, root = rt.now() + timedelta(seconds=1), sum(h[0] for h in heads.values()), \
            audit.merkle_root(heads_leaves(heads))
        session.add(AuditCheckpointRecord(
            created_at=at, chains=len(heads), events=events, heads=heads, root=root, key_id=own.key_id,
            signature=own.sign(checkpoints.signed_message(created_at=audit.chain.instant(at), chains=len(heads),
                                                          events=events, root=root))))
    problems = [p["problem"] for p in verify(rt)["problems"]]
    assert any("is not signed by this installation's key" in p for p in problems), problems
    assert any("rewritten" in p for p in problems), "the chain is still compared with the genuine checkpoint"


def test_an_altered_witness_line_is_named(rt, two_cases):
    checkpoint(rt)
    path = rt.settings.witness_path
    entry = json.loads(path.read_text())
    path.write_text(json.dumps({**entry, "events": entry["events"] - 1}) + "\n")
    problem = only_problem(verify(rt))
    assert "line 1 of the witness file" in problem["problem"]


def test_the_application_role_may_only_add_and_read_audit_rows(rt, two_cases):
    if not rt.store.is_postgres:
        pytest.skip("roles and TRUNCATE are PostgreSQL's")
    from sqlalchemy import text

    for sql in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                "TRUNCATE audit_event", "DELETE FROM audit_checkpoint", "TRUNCATE audit_checkpoint"):
        with pytest.raises(Exception, match="permission denied"):
            with rt.store.transaction() as session:
                session.execute(text(sql))
    with rt.store.transaction(write=False) as session:
        assert session.execute(text("SELECT current_user")).scalar() == "dueflow_app"


def test_truncate_is_refused_even_to_the_owner_and_found_when_forced(rt, two_cases):
    if not rt.store.is_postgres:
        pytest.skip("SQLite has no TRUNCATE")
    checkpoint(rt)
    with pytest.raises(Exception, match="TRUNCATE refused"):
        rt.store.execute_sql("TRUNCATE audit_event")
    assert verify(rt)["ok"]
    rt.store.execute_sql("DROP TRIGGER audit_event_no_truncate ON audit_event")  # row triggers do not fire
    rt.store.execute_sql("TRUNCATE audit_event")
    report = verify(rt)
    assert not report["ok"] and {p["case_id"] for p in report["problems"]} >= {0, *(c.id for c in two_cases)}


def test_a_later_checkpoint_does_not_sign_away_a_shortened_chain_or_a_deleted_case(rt, two_cases):
    """The loop keeps checkpointing after the tampering: heads only grow, so the evidence stays signed."""
    first, second = two_cases
    checkpoint(rt)
    drop_protection(rt.store)
    events = events_of(rt.store, first.id)
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c AND seq = :s", c=first.id, s=events[-1]["seq"])
    move_head(rt.store, first.id, events[-2]["seq"], events[-2]["hash"])
    rt.store.execute_sql("DELETE FROM audit_event WHERE case_id = :c", c=second.id)
    move_head(rt.store, second.id, 0, "")
    cases.cancel_case(rt, case_id=first.id, reason="filed twice", actor=a_supervisor())  # new events arrive
    checkpoint(rt)
    problems = {p["case_id"]: p["problem"] for p in verify(rt)["problems"]}
    assert "only 0 remain" in problems[second.id]
    assert first.id in problems, "the shortened chain is still named after the next checkpoint"


def test_even_a_later_checkpoint_keeps_a_rewritten_chains_signed_head(rt, two_cases):
    first, _ = two_cases
    checkpoint(rt)
    seq = next(e["seq"] for e in events_of(rt.store, first.id) if "blocked" in e["payload"])
    rewrite_from(rt.store, first.id, seq, rt.settings.audit_key, cleared)
    checkpoint(rt)
    problem = only_problem(verify(rt))
    assert problem["case_id"] == first.id and "rewritten" in problem["problem"]


def test_a_checkpoint_row_stores_only_the_heads_that_changed(rt, two_cases):
    first, second = two_cases
    checkpoint(rt)
    cases.cancel_case(rt, case_id=second.id, reason="filed twice", actor=a_supervisor())
    checkpoint(rt)
    [(heads,)] = rt.store.execute_sql("SELECT heads FROM audit_checkpoint ORDER BY id DESC LIMIT 1")
    heads = json.loads(heads) if isinstance(heads, str) else heads
    assert set(heads) == {str(second.id)}
    report = verify(rt)
    assert report["ok"] and report["checkpoint"]["chains"] == 3  # both cases and the system chain


def test_rotated_keys_keep_the_old_log_verifiable_only_when_the_old_keys_are_listed(rt, two_cases):
    """docs/security.md's rotation: new keys, the old audit key and the old public key listed as retired."""
    from dataclasses import replace

    from engine.services.runtime import Runtime
    from engine.settings import Settings

    first, _ = two_cases
    checkpoint(rt)
    fresh = Settings.ephemeral(witness_path=rt.settings.witness_path)
    rotated = Runtime(rt.store, rt.clock, settings=replace(
        fresh, retired_audit_keys=(rt.settings.audit_key,),
        retired_public_keys=(audit_trail.public_key(rt)["public_key"],)))
    cases.cancel_case(rotated, case_id=first.id, reason="filed twice", actor=a_supervisor())
    checkpoint(rotated)
    assert verify(rotated)["ok"]
    forgetful = Runtime(rt.store, rt.clock, settings=replace(rotated.settings, retired_audit_keys=(),
                                                             retired_public_keys=()))
    problems = [p["problem"] for p in verify(forgetful)["problems"]]
    assert any("no valid tag" in p for p in problems) and any("not signed" in p for p in problems)
