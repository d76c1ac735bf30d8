"""Documents issued from templates: numbered per agency, kind and year without gaps, rendered to PDF with the
case's facts, audited with their sha256; served with a checked record of service; viewed by the party (audited);
corrected by a new document that names the old one. On SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine import documents as rendering
from engine.domain import ConflictError, ForbiddenError, InvalidDataError, ProcedureInvalidError
from engine.services import cases, issuing, party, procedures
from engine.services.party import PartyAccess
from tests.builders import a_case, an_admin, an_auditor, an_officer, files_of, procedure_files

PENALTY = Path(__file__).resolve().parents[1] / "web" / "fixtures" / "web_penalty.bpmn"
FACTS = {"facts": "在淮海路12号门前占道经营，经两次劝阻未停止。", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
         "proposed_fine": 500}


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def case(rt):
    key = procedures.deploy_procedure(rt, files=files_of(PENALTY), actor=an_admin()).key
    return a_case(rt, key)


def _content(rt, case_id: int, document_id: int) -> bytes:
    return next(content for view, content in issuing.case_documents_for_export(
        rt, case_id=case_id, actor=an_auditor()) if view.view.id == document_id)


def test_a_rights_notice_is_numbered_rendered_with_the_case_facts_and_audited(rt, case):
    first = issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    second = issuing.issue_document(rt, case_id=case.id, template="rights_notice", lang="en", data=FACTS,
                                    actor=an_officer())
    assert first.number == "示城管罚告〔2026〕1号" and second.number == "示城管罚告〔2026〕2号"
    content = _content(rt, case.id, first.view.id)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == first.view.sha256
    text = pdf_text(content)
    for expected in (case.case_no, "500", "第三十六条", "行政处罚事先告知书", "五个工作日", "示城管罚告〔2026〕1号"):
        assert expected in text
    english = pdf_text(_content(rt, case.id, second.view.id))
    assert "Notice of proposed penalty" in english and "within 5 working days" in english
    [issued, _] = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                   if e["event_type"] == "document_issued"]
    assert issued["payload"]["sha256"] == first.view.sha256 and issued["payload"]["number"] == first.number
    assert cases.verify_audit(rt, actor=an_auditor(), case_id=case.id)["ok"]


def test_a_document_the_record_cannot_fill_is_refused_naming_each_missing_field(rt, case):
    with pytest.raises(InvalidDataError) as refused:
        issuing.issue_document(rt, case_id=case.id, template="penalty_decision", data={"facts": "x"},
                               actor=an_officer())
    assert {d["field"] for d in refused.value.details} == {"legal_basis", "fine_amount"}
    with pytest.raises(InvalidDataError, match="template"):
        issuing.issue_document(rt, case_id=case.id, template="love_letter", actor=an_officer())
    with pytest.raises(ForbiddenError):
        issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_auditor())


def test_a_failed_issue_gives_its_number_back(rt, case, monkeypatch):
    def broken(html: str) -> bytes:
        raise RuntimeError("the typesetter fell over")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    monkeypatch.undo()
    issued = issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    assert issued.number.endswith("〔2026〕1号")


def test_service_is_checked_per_method_and_starts_the_periods(rt, case, clock):
    notice = issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    served_at = clock()
    serve = dict(rt=rt, case_id=case.id, document_id=notice.view.id, served_at=served_at, actor=an_officer())
    with pytest.raises(InvalidDataError) as refused:
        issuing.serve_document(**serve, method="registered_mail", recipient="")
    assert [d["field"] for d in refused.value.details] == ["tracking_no"]
    with pytest.raises(InvalidDataError, match="consent_recorded"):
        issuing.serve_document(**serve, method="electronic", recipient="party@example.org")
    with pytest.raises(InvalidDataError, match="witnesses"):
        issuing.serve_document(**serve, method="in_person", recipient="Wang", refused=True)
    with pytest.raises(InvalidDataError, match="served_at"):
        issuing.serve_document(**{**serve, "served_at": served_at + timedelta(days=1)}, method="in_person",
                               recipient="Wang")
    with pytest.raises(InvalidDataError, match="method"):
        issuing.serve_document(**serve, method="pigeon", recipient="Wang")
    served = issuing.serve_document(**serve, method="in_person", recipient="Wang Wu", refused=True,
                                    witnesses=("Li Si",), proof=b"receipt photo", proof_filename="receipt.jpg",
                                    proof_media_type="image/jpeg")
    # Monday 2 March 2026 + 5 working days: Monday 9 March, to the end of that day in Shanghai
    assert served.service["periods"] == {"statement_and_hearing_request": "2026-03-09T15:59:59+00:00"}
    assert served.service["proof"]["sha256"] == hashlib.sha256(b"receipt photo").hexdigest()
    with pytest.raises(ConflictError, match="never changes"):
        issuing.serve_document(**serve, method="in_person", recipient="Wang Wu")
    [event] = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
               if e["event_type"] == "document_served"]
    assert event["payload"]["sha256"] == notice.view.sha256 and event["payload"]["witnesses"] == ["Li Si"]


def test_the_party_sees_served_documents_only_and_each_download_is_audited(rt, case, clock):
    notice = issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    access = PartyAccess(case.id, case.case_no)
    assert party.party_case(rt, access=access).documents == []
    issuing.serve_document(rt, case_id=case.id, document_id=notice.view.id, served_at=clock(), method="in_person",
                           recipient="Wang Wu", actor=an_officer())
    [listed] = party.party_case(rt, access=access).documents
    assert listed["number"] == notice.number and listed["periods"]
    filename, media_type, content = party.party_document(rt, access=access, document_id=notice.view.id)
    assert media_type == "application/pdf" and hashlib.sha256(content).hexdigest() == notice.view.sha256
    [viewed] = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                if e["event_type"] == "document_viewed"]
    assert viewed["actor"] == f"party:{case.case_no}" and viewed["payload"]["number"] == notice.number


def test_a_correction_is_a_new_document_naming_the_one_it_replaces(rt, case, clock):
    notice = issuing.issue_document(rt, case_id=case.id, template="rights_notice", data=FACTS, actor=an_officer())
    issuing.serve_document(rt, case_id=case.id, document_id=notice.view.id, served_at=clock(), method="in_person",
                           recipient="Wang Wu", actor=an_officer())
    with pytest.raises(InvalidDataError, match="reason"):
        issuing.correct_document(rt, case_id=case.id, document_id=notice.view.id, reason=" ", actor=an_officer())
    fixed = issuing.correct_document(rt, case_id=case.id, document_id=notice.view.id, reason="罚款数额笔误",
                                     data={**FACTS, "proposed_fine": 400}, actor=an_officer())
    assert fixed.replaces_id == notice.view.id and fixed.number.endswith("2号")
    text = pdf_text(_content(rt, case.id, fixed.view.id))
    assert notice.number in text and "罚款数额笔误" in text and "400" in text
    assert hashlib.sha256(_content(rt, case.id, notice.view.id)).hexdigest() == notice.view.sha256
    assert [d.number for d in issuing.list_issued(rt, case_id=case.id, actor=an_auditor())] == [notice.number,
                                                                                                 fixed.number]


def test_a_procedure_naming_an_unknown_document_is_refused_at_deploy(rt):
    files = procedure_files("ordinary_procedure")
    files["ordinary_procedure.bpmn"] = files["ordinary_procedure.bpmn"].replace(
        b'name="document" value="rights_notice"', b'name="document" value="love_letter"')
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=files, actor=an_admin())
    [problem] = [p for p in refused.value.problems if p.rule == "document"]
    assert problem.element_id == "serve_rights_notice" and "love_letter" in problem.message


@pytest.mark.parametrize("template", ["penalty_decision", "order_to_correct", "education_record", "dispatch_sheet"])
def test_each_document_renders_with_only_what_it_requires(rt, case, template):
    needed = {name: 7 if name in ("remedy_days", "fine_amount") else f"{name} text"
              for name in rendering.required_fields(template)}
    issued = issuing.issue_document(rt, case_id=case.id, template=template, data=needed, actor=an_officer())
    text = pdf_text(_content(rt, case.id, issued.view.id))
    assert issued.number in text and rendering.KINDS[template].title_zh in text
