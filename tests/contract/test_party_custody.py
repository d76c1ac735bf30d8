"""Evidence the office shows to the party (a disclosure on record) is downloaded from the portal as a custody
view by the party, with the hash the bytes have then, exactly like a staff member's view; evidence not shown is
not found. The file lives in the evidence folder, so the party reads it from there. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from engine.domain import ConflictError, DocumentNotFoundError, ForbiddenError
from engine.services import custody, documents, party
from engine.services.party import PartyAccess
from engine.services.runtime import Runtime
from tests.builders import a_case, a_deployed, an_auditor, an_officer
from tests.web.conftest import PENALTY

PHOTO = b"\xff\xd8 the stall on the pavement, 08:30" * 4096


@pytest.fixture
def disk_rt(rt, tmp_path) -> Runtime:
    return Runtime(rt.store, rt.clock, settings=replace(rt.settings, evidence_dir=tmp_path / "evidence"))


def test_the_partys_download_of_evidence_is_a_custody_view_by_the_party(disk_rt):
    case = a_case(disk_rt, a_deployed(disk_rt, PENALTY))
    photo = documents.add_evidence(disk_rt, case_id=case.id, filename="stall.jpg", content=PHOTO,
                                   media_type="image/jpeg", actor=an_officer())
    access = PartyAccess(case.id, case.case_no)
    with pytest.raises(DocumentNotFoundError):  # not shown to the party yet
        party.party_document(disk_rt, access=access, document_id=photo.id)
    with pytest.raises(ForbiddenError):
        custody.disclose_evidence(disk_rt, case_id=case.id, document_id=photo.id, actor=an_auditor())
    custody.disclose_evidence(disk_rt, case_id=case.id, document_id=photo.id, actor=an_officer())
    with pytest.raises(ConflictError):
        custody.disclose_evidence(disk_rt, case_id=case.id, document_id=photo.id, actor=an_officer())
    assert [d["filename"] for d in party.party_case(disk_rt, access=access).documents] == ["stall.jpg"]

    filename, media_type, content = party.party_document(disk_rt, access=access, document_id=photo.id)
    assert (filename, media_type, content) == ("stall.jpg", "image/jpeg", PHOTO)
    chain = custody.custody_of(disk_rt, case_id=case.id, document_id=photo.id, actor=an_auditor())
    assert chain.storage == "file"
    assert [(e["event_type"], e["actor"]) for e in chain.events] == [
        ("evidence_added", "olga"), ("evidence_disclosed", "olga"), ("evidence_viewed", f"party:{case.case_no}")]
    viewed = chain.events[-1]["payload"]
    assert viewed["sha256"] == hashlib.sha256(PHOTO).hexdigest() and viewed["intact"] is True
