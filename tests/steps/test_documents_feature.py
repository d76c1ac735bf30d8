"""Steps of features/documents.feature: documents issued by the ordinary procedure's steps, served, read by the
party, and the court package; on SQLite and PostgreSQL. PDFs are checked by the text extracted from them."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from pypdf import PdfReader
from pytest_bdd import parsers, scenarios, then, when

from engine.domain import CourtPackageIncompleteError, Role
from engine.services import court_package, issuing, party
from engine.services.party import PartyAccess
from tests.builders import ROOT, an_auditor
from tests.steps.ordinary_steps import *  # noqa: F401,F403  (the ordinary procedure's steps)
from tests.steps.ordinary_steps import CaseJourney, person

scenarios(str(ROOT / "features" / "documents.feature"))
NAMES = {"order to correct": "order_to_correct", "rights notice": "rights_notice",
         "penalty decision": "penalty_decision", "demand notice": "demand_notice",
         "education record": "education_record"}


@pytest.fixture(autouse=True)
def _on_each_database(journey):
    return journey


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


def _documents(journey: CaseJourney) -> dict[int, tuple[issuing.IssuedDocument, bytes]]:
    return {view.view.id: (view, content) for view, content in
            issuing.case_documents_for_export(journey.rt, case_id=journey.case.id, actor=an_auditor())}


def _issued(journey: CaseJourney, template: str) -> tuple[issuing.IssuedDocument, bytes]:
    found = [pair for pair in _documents(journey).values() if pair[0].template == template]
    assert found, f"no {template} issued"
    return found[-1]


@then(parsers.parse('the case has the {name} "{number}" stating {expected}'))
def has_document(journey, name, number, expected):
    issued, content = _issued(journey, NAMES[name])
    assert issued.number == number and hashlib.sha256(content).hexdigest() == issued.view.sha256
    text = pdf_text(content)
    for wanted in [journey.case.case_no, number, *_quoted(expected)]:
        assert wanted in text, f"{wanted!r} is not in the {name}"


def _serve(journey, name, officer, **how):
    issued, _ = _issued(journey, NAMES[name])
    issuing.serve_document(journey.rt, case_id=journey.case.id, document_id=issued.view.id,
                           served_at=journey.clock(), actor=person(Role.OFFICER, officer), **how)


@when(parsers.parse('officer "{officer}" serves the {name} in person on "{recipient}"'))
def serve_in_person(journey, officer, name, recipient):
    _serve(journey, name, officer, method="in_person", recipient=recipient, proof=b"signed receipt",
           proof_filename="receipt.jpg", proof_media_type="image/jpeg")


@when(parsers.parse('officer "{officer}" serves the {name} in person on "{recipient}", who refuses to sign '
                    'before "{witness}"'))
def serve_refused(journey, officer, name, recipient, witness):
    _serve(journey, name, officer, method="in_person", recipient=recipient, refused=True, witnesses=(witness,))


@when(parsers.parse('officer "{officer}" serves the {name} by registered mail "{tracking_no}"'))
def serve_by_mail(journey, officer, name, tracking_no):
    _serve(journey, name, officer, method="registered_mail", recipient="12 Huaihai Road", tracking_no=tracking_no)


@when(parsers.parse('legal reviewer "{name}" asks for the court package'), target_fixture="package")
def ask_for_package(journey, name):
    try:
        return court_package.assemble(journey.rt, case_id=journey.case.id, actor=person(Role.LEGAL_REVIEWER, name))
    except CourtPackageIncompleteError as refused:
        return refused


@then(parsers.parse("the court package is refused naming {items}"))
def package_refused(package, items):
    assert isinstance(package, CourtPackageIncompleteError)
    assert [d["field"] for d in package.details] == sorted(_quoted(items))


@then(parsers.parse('the court package "{number}" states {expected}'))
def package_states(journey, package, number, expected):
    assert isinstance(package, court_package.CourtPackage), package
    assert package.document.number == number
    _, content = _documents(journey)[package.document.view.id]
    text = pdf_text(content)
    for wanted in [journey.case.case_no, *_quoted(expected)]:
        assert wanted in text, f"{wanted!r} is not in the court package"


@then("its manifest lists the decision, the demand with its service and the evidence")
def manifest(journey, package):
    listed = package.manifest
    decision, _ = _issued(journey, "penalty_decision")
    demand, _ = _issued(journey, "demand_notice")
    assert listed["decision"]["sha256"] == decision.view.sha256 and listed["demand"]["method"] == "in_person"
    assert listed["demand"]["proof"] == hashlib.sha256(b"signed receipt").hexdigest()
    assert listed["evidence"] and listed["package"]["sha256"] == package.document.view.sha256


@then(parsers.parse("the party sees {count:d} documents served and downloads each of them intact"))
def party_downloads(journey, count):
    access = PartyAccess(journey.case.id, journey.case.case_no)
    listed = party.party_case(journey.rt, access=access).documents
    assert len(listed) == count
    for document in listed:
        _, media_type, content = party.party_document(journey.rt, access=access, document_id=document["id"])
        assert media_type == "application/pdf" and hashlib.sha256(content).hexdigest() == document["sha256"]


@then("each download is on the audit trail")
def downloads_audited(journey):
    viewed = [e for e in journey.audit() if e["event_type"] == "document_viewed"]
    served = [e for e in journey.audit() if e["event_type"] == "document_served"]
    assert sorted(e["payload"]["number"] for e in viewed) == sorted(e["payload"]["number"] for e in served)


@then(parsers.parse('the statement period ends at "{due_at}"'))
def statement_period_ends(journey, due_at):
    deadlines = {d["element_id"]: d["due_at"] for d in journey.refresh().deadlines}
    assert deadlines.get("statement_period_ends") == due_at, deadlines


@then(parsers.parse('the party\'s documents page shows the statement period ending at "{due_at}"'))
def party_sees_statement_period(journey, due_at):
    seen = party.party_case(journey.rt, access=PartyAccess(journey.case.id, journey.case.case_no))
    [notice] = [d for d in seen.documents if d["kind"] == "rights_notice"]
    assert notice["periods"]["statement_and_hearing_request"] == due_at


@then("the audit trail says the deadline was set from the service of the rights notice")
def deadline_from_service(journey):
    moved = [e for e in journey.audit() if e["event_type"] == "deadline_set" and "from_service" in e["payload"]]
    assert [(e["element_id"], e["payload"]["from_service"]["document"]) for e in moved] == [
        ("statement_period_ends", "rights_notice")]


def _statement_period_fired(journey) -> bool:
    return any(e["event_type"] == "timer_fired" and e["element_id"] == "statement_period_ends"
               for e in journey.audit())


@then("the statement period has not ended")
def statement_period_running(journey):
    assert not _statement_period_fired(journey)


@then("the statement period has ended")
def statement_period_ended(journey):
    assert _statement_period_fired(journey)
