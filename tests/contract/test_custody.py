"""Evidence custody on SQLite and PostgreSQL: files stream to the evidence folder with their sha256 computed on the
way; custody opens with who collected it, where and when; each handover, view, citation by a decision and export
is an audit event sealed with the hash the bytes have then; the export carries the chain and verifies offline."""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from engine.audit import offline
from engine.domain import (Actor, CaseNotFoundError, ConflictError, ForbiddenError, InvalidDataError, PayloadTooLargeError)
from engine.services import case_export, cases, custody, documents, tasks, users
from engine.services.runtime import Runtime
from tests.builders import a_case, a_deployed, a_legal_reviewer, a_supervisor, an_auditor, an_officer
from tests.web.conftest import PENALTY

VIDEO = os.urandom(6 * 1024 * 1024 + 17)  # past the 5 MiB a database row may hold: it must go to disk
INVESTIGATION = {"findings": "stall on the pavement", "inspected_on": "2026-03-02"}


@pytest.fixture
def disk_rt(rt, tmp_path) -> Runtime:
    """The runtime of a real installation: evidence streams to a folder of its own."""
    return Runtime(rt.store, rt.clock, settings=replace(rt.settings, evidence_dir=tmp_path / "evidence"))


@pytest.fixture
def case(disk_rt):
    return a_case(disk_rt, a_deployed(disk_rt, PENALTY))


def add_video(rt, case, actor=None):
    return documents.add_evidence(rt, case_id=case.id, filename="patrol.mp4", content=io.BytesIO(VIDEO),
                                  media_type="video/mp4", actor=actor or an_officer(), description="patrol camera",
                                  collected_where="8 Fuxing Road, north gate",
                                  collected_at=datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc))


def test_a_large_file_streams_to_disk_under_its_hash_and_opens_its_custody(disk_rt, case, tmp_path):
    view = add_video(disk_rt, case)
    digest = hashlib.sha256(VIDEO).hexdigest()
    assert view.sha256 == digest and view.size == len(VIDEO)
    stored = tmp_path / "evidence" / digest[:2] / digest
    assert stored.read_bytes() == VIDEO and not any((tmp_path / "evidence" / "incoming").iterdir())
    [(in_row,)] = disk_rt.store.execute_sql("SELECT length(content) FROM document WHERE id = :i", i=view.id)
    assert in_row == 0, "the bytes are not in the database"
    fetched = documents.get_document(disk_rt, case_id=case.id, document_id=view.id, actor=a_supervisor())
    assert fetched.intact and fetched.content == VIDEO
    chain = custody.custody_of(disk_rt, case_id=case.id, document_id=view.id, actor=an_auditor())
    assert (chain.collected_by, chain.collected_where, chain.collected_at, chain.holder, chain.storage) == (
        "olga", "8 Fuxing Road, north gate", "2026-03-02T08:30:00.000000Z", "olga", "file")
    assert [(e["event_type"], e["actor"]) for e in chain.events] == [("evidence_added", "olga"),
                                                                     ("evidence_viewed", "sam")]
    assert chain.events[1]["payload"]["sha256"] == digest and chain.events[1]["payload"]["intact"]


def test_an_upload_past_the_limit_keeps_nothing(disk_rt, case, tmp_path):
    small = Runtime(disk_rt.store, disk_rt.clock, settings=replace(disk_rt.settings, max_evidence_mib=1))
    with pytest.raises(PayloadTooLargeError):
        add_video(small, case)
    assert not any((tmp_path / "evidence" / "incoming").iterdir())
    assert documents.list_documents(disk_rt, case_id=case.id, actor=an_officer()) == []
    with pytest.raises(InvalidDataError):
        documents.add_evidence(disk_rt, case_id=case.id, filename="x", content=io.BytesIO(b""), actor=an_officer())
    with pytest.raises(InvalidDataError, match="collected_at"):
        documents.add_evidence(disk_rt, case_id=case.id, filename="x", content=b"1", actor=an_officer(),
                               collected_at=datetime(2030, 1, 1, tzinfo=timezone.utc))


def test_custody_passes_from_holder_to_holder_and_only_the_holder_hands_it_on(disk_rt, case):
    view = add_video(disk_rt, case)
    with pytest.raises(ForbiddenError, match="olga holds"):
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="lena",
                                   actor=a_legal_reviewer())
    with pytest.raises(CaseNotFoundError):
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="mark",
                                   actor=an_officer("mark", "markets"))
    with pytest.raises(ForbiddenError):
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="sam", actor=an_auditor())
    with pytest.raises(InvalidDataError) as unknown:
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="nobody", actor=an_officer())
    assert "no active user nobody" in unknown.value.details[0]["message"]
    users.add_user(disk_rt, username="sam", password="long enough pw", role="supervisor", department="cityscape",
                   actor=Actor.system("tests"))
    custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="sam", actor=an_officer())
    chain = custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="Evidence room 3",
                                       external=True, where="Huangpu station", note="sealed bag 114",
                                       actor=a_supervisor())
    assert chain.holder == "Evidence room 3"
    with pytest.raises(ForbiddenError):  # olga no longer holds it
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="Forensics lab",
                                   external=True, actor=an_officer())
    with pytest.raises(ConflictError):
        custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="Evidence room 3",
                                   external=True, actor=a_supervisor())
    chain = custody.hand_over_evidence(disk_rt, case_id=case.id, document_id=view.id, to="Forensics lab",
                                       external=True, actor=a_supervisor())  # a supervisor records the next move
    moves = [e["payload"] for e in chain.events if e["event_type"] == "custody_transferred"]
    assert [(m["from"], m["to"]) for m in moves] == [("olga", "sam"), ("sam", "Evidence room 3"),
                                                     ("Evidence room 3", "Forensics lab")]
    assert all(m["sha256"] == view.sha256 and m["intact"] for m in moves), "each handover is sealed"
    assert cases.verify_audit(disk_rt, actor=an_auditor(), case_id=case.id)["ok"]


def _at_the_decision(rt, case):
    view = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INVESTIGATION, actor=an_officer())
    view = tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=an_officer(),
                               data={"proposed_fine": 500, "served_on": "2026-03-02"})
    cases.deliver_message(rt, case_id=case.id, name="waiver_received", payload={"note": "signed"},
                          actor=an_officer())
    [decide] = cases.get_case(rt, case_id=case.id, actor=an_officer()).ready_tasks
    assert decide.element_id == "decide_penalty"
    return decide


def test_a_decision_cites_the_evidence_it_relies_on_and_the_export_carries_it(disk_rt, case, tmp_path):
    view = add_video(disk_rt, case)
    photo = documents.add_evidence(disk_rt, case_id=case.id, filename="stall.jpg", content=b"jpeg", actor=an_officer())
    with pytest.raises(ConflictError, match="takes no decision"):
        custody.cite_evidence(disk_rt, case_id=case.id, task_id=case.ready_tasks[0].id, document_ids=[view.id],
                              actor=an_officer())
    decide = _at_the_decision(disk_rt, case)
    assert custody.cite_evidence(disk_rt, case_id=case.id, task_id=decide.id, document_ids=[view.id, photo.id],
                                 actor=an_officer()) == [view.id, photo.id]
    out = tmp_path / "case.zip"
    with out.open("wb") as handle:
        case_export.export_case(disk_rt, out=handle, actor=an_auditor(), case_id=case.id)
    assert "3 documents intact" not in offline.verify(str(out)) and "2 documents intact" in offline.verify(str(out))
    with zipfile.ZipFile(out) as archive:
        chains = json.loads(archive.read("custody.json"))
        assert archive.read(f"documents/{view.id}-patrol.mp4") == VIDEO
    video = chains[str(view.id)]
    assert video["collected"]["where"] == "8 Fuxing Road, north gate" and video["holder"] == "olga"
    assert [c["element_id"] for c in video["cited_by_decisions"]] == ["decide_penalty"]
    assert [e["event_type"] for e in video["events"]] == ["evidence_added", "evidence_cited", "case_exported"]


def test_a_file_altered_on_disk_is_on_record_at_its_next_view_and_cannot_be_relied_on(disk_rt, case, tmp_path):
    view = add_video(disk_rt, case)
    stored = tmp_path / "evidence" / view.sha256[:2] / view.sha256
    stored.chmod(0o640)
    stored.write_bytes(b"x" + VIDEO[1:])
    fetched = documents.get_document(disk_rt, case_id=case.id, document_id=view.id, actor=an_officer())
    assert not fetched.intact
    seen = custody.custody_of(disk_rt, case_id=case.id, document_id=view.id, actor=an_auditor()).events[-1]
    assert seen["event_type"] == "evidence_viewed" and seen["payload"]["intact"] is False
    decide = _at_the_decision(disk_rt, case)
    with pytest.raises(ConflictError, match="no longer matches"):
        custody.cite_evidence(disk_rt, case_id=case.id, task_id=decide.id, document_ids=[view.id], actor=an_officer())
    out = tmp_path / "case.zip"
    with out.open("wb") as handle:
        case_export.export_case(disk_rt, out=handle, actor=an_auditor(), case_id=case.id)
    with pytest.raises(offline.Mismatch, match=f"^documents/{view.id}-patrol.mp4: the file's sha256 differs"):
        offline.verify(str(out))
