"""The audit trail's keys in use: `dueflow verify` on the command line, the published checkpoint key, an offline
check of one case against a signed checkpoint, the checkpoint loop, and one set of keys per installation."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.checkpoints import CheckpointLoop
from api.cli import main as dueflow
from engine import audit
from engine.audit import verification
from engine.bootstrap import build_runtime, settings_from_env
from engine.domain import Actor, Role
from engine.services import audit_trail, cases, party, tasks
from tests.builders import a_case, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}


@pytest.fixture
def installation(tmp_path, monkeypatch):
    """One SQLite installation with its keys under its own var folder, as `dueflow serve` leaves it."""
    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    for name in ("DUEFLOW_SECRET", "DUEFLOW_AUDIT_KEY", "DUEFLOW_SIGNING_SEED", "DUEFLOW_WITNESS"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'dueflow.db'}"
    rt = build_runtime(settings_from_env(database_url=url))
    the_notice(rt)
    case = a_case(rt)
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    audit_trail.take_checkpoint(rt, actor=an_auditor())
    yield url, rt, case
    rt.store.dispose()


def test_dueflow_verify_exits_0_on_an_intact_log_and_1_naming_the_first_problem_of_each_chain(installation,
                                                                                              capsys, monkeypatch):
    url, rt, case = installation
    monkeypatch.setattr(verification, "PROGRESS_EVERY", 3)  # a long log in miniature
    assert dueflow(["verify", "--db", url]) == 0
    captured = capsys.readouterr()
    assert "the audit log is intact" in captured.out and audit_trail.public_key(rt)["public_key"] in captured.out
    assert "3 events checked" in captured.err
    assert dueflow(["verify", "--db", url, "--since-checkpoint"]) == 0
    captured = capsys.readouterr()
    assert "only what was written since checkpoint" in captured.out and "the audit log is intact" in captured.out
    [(seq, head)] = rt.store.execute_sql("SELECT audit_seq, audit_head FROM enforcement_case WHERE id = :c",
                                         c=case.id)
    for n in (1, 2):  # two forged events on one chain: only the first is named
        forged = audit.canonical_json({"outcome": "no_violation"})
        rt.store.execute_sql("INSERT INTO audit_event (case_id, seq, occurred_at, actor, actor_role, event_type, "
                             "payload, prev_hash, hash, tag) VALUES (:c, :s, '2026-03-02 09:00:00.000000', "
                             "'olga', 'officer', 'case_closed', :p, :prev, :h, :t)", c=case.id, s=seq + n,
                             p=forged, prev=head, h=f"{n:064d}", t="0" * 64)
        head = f"{n:064d}"
    assert dueflow(["verify", "--db", url]) == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("case ")]
    assert len(lines) == 1 and lines[0].startswith(f"case {case.case_no}: event {seq + 1}")
    assert "tampered" in captured.err


def test_the_public_key_is_published_and_checks_a_case_offline(installation, client):
    """What an offline verifier holding an exported case does: recompute its chain, find its head in the signed
    checkpoint by an inclusion proof, and check the checkpoint's signature with the published key."""
    _, rt, case = installation
    published = client.get("/api/audit/public-key").json()
    assert published["algorithm"] == "Ed25519" and published["public_key"]
    with rt.store.transaction(write=False) as session:
        from engine.store import queries

        signed = queries.latest_checkpoint(session)
        heads, fields = audit.fold(session, audit.FoldedHeads()).heads, audit.entry(signed)  # rows hold deltas
        events = list(queries.audit_events(session, case.id))
    prev = audit.GENESIS
    for event in events:  # the public chain: no key needed
        assert audit.event_hash(prev, event) == event.hash
        prev = event.hash
    leaves = sorted(heads, key=int)
    index = leaves.index(str(case.id))
    leaf = f"{case.id}:{heads[str(case.id)][0]}:{prev}".encode()
    proof = audit.inclusion_proof([f"{c}:{heads[c][0]}:{heads[c][1]}".encode() for c in leaves], index)
    assert audit.root_from_proof(leaf, index, len(leaves), proof) == fields["root"]
    message = (f"dueflow-checkpoint/v1\n{fields['created_at']}\n{fields['chains']}\n{fields['events']}\n"
               f"{fields['root']}").encode()
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(published["public_key"])).verify(
        bytes.fromhex(fields["signature"]), message)  # raises when it does not verify


@pytest.fixture
def client(installation):
    from fastapi.testclient import TestClient

    from api.app import create_app

    return TestClient(create_app(installation[1]))


def test_the_checkpoint_loop_signs_only_while_events_arrive_and_writes_the_witness(installation):
    _, rt, case = installation
    loop = CheckpointLoop(rt, interval=60)
    witness = rt.settings.witness_path
    before = len(witness.read_text().splitlines())
    assert loop.run_once() is False, "no event since the last checkpoint"
    cases.cancel_case(rt, case_id=case.id, reason="filed twice", actor=Actor("sam", Role.SUPERVISOR, "cityscape"))
    assert loop.run_once() is True and loop.run_once() is False
    assert len(witness.read_text().splitlines()) == before + 1
    assert audit_trail.verify_audit(rt, actor=an_auditor())["checkpoint"]["events"] > 0


def test_every_process_of_one_installation_shares_its_keys_and_none_is_built_in(installation):
    url, rt, case = installation
    other = build_runtime(settings_from_env(database_url=url), migrate=False)  # e.g. a second uvicorn worker
    assert (other.settings.secret, other.settings.audit_key, other.settings.signing_seed) == (
        rt.settings.secret, rt.settings.audit_key, rt.settings.signing_seed)
    assert audit_trail.verify_audit(other, actor=an_auditor())["ok"]
    [(stored,)] = rt.store.execute_sql("SELECT code_hash FROM party_access WHERE case_id = :c", c=case.id)
    code = case.access_code.replace("-", "")
    old_fallback = hmac.new(b"dueflow-development-secret", f"{case.case_no}:{code}".encode(), hashlib.sha256)
    assert stored != old_fallback.hexdigest(), "the access code is not hashed with a secret everyone knows"
    granted = party.login(other, case_no=case.case_no, code=case.access_code, throttles=party.party_throttles())
    assert granted.case_id == case.id
