"""The use cases behind the web pages: evidence with its sha256, a case's history and path, procedure revisions."""
from __future__ import annotations

import hashlib

from pathlib import Path

import pytest

from engine.domain import CaseNotFoundError, CaseNotOpenError, ForbiddenError, InvalidDataError, PayloadTooLargeError
from engine.services import cases, documents, history, procedures, revisions, tasks
from tests.builders import a_case, a_supervisor, an_admin, an_auditor, an_officer, files_of

WEB_FIXTURES = Path(__file__).resolve().parent / "fixtures"
PENALTY = WEB_FIXTURES / "web_penalty.bpmn"


@pytest.fixture
def penalty(rt) -> str:
    return procedures.deploy_procedure(rt, files=files_of(PENALTY), actor=an_admin()).key


def test_evidence_is_stored_with_its_sha256_and_audited(rt, penalty):
    case = a_case(rt, penalty)
    view = documents.add_evidence(rt, case_id=case.id, filename="../photos/site 1.jpg", content=b"jpeg bytes",
                                  media_type="image/jpeg", note="north side", actor=an_officer())
    assert view.filename == "site 1.jpg" and view.size == 10
    assert view.sha256 == hashlib.sha256(b"jpeg bytes").hexdigest()
    [listed] = documents.list_documents(rt, case_id=case.id, actor=an_auditor())
    assert listed.id == view.id and listed.media_type == "image/jpeg"
    fetched = documents.get_document(rt, case_id=case.id, document_id=view.id, actor=an_officer())
    assert fetched.content == b"jpeg bytes" and fetched.intact
    [event] = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor()) if e["event_type"] == "evidence_added"]
    assert event["payload"]["sha256"] == view.sha256 and event["actor"] == "olga"
    assert cases.verify_audit(rt, actor=an_auditor(), case_id=case.id)["ok"]


def test_evidence_is_refused_when_empty_too_large_from_another_department_or_on_a_closed_case(rt, penalty):
    case = a_case(rt, penalty)
    with pytest.raises(InvalidDataError):
        documents.add_evidence(rt, case_id=case.id, filename="x", content=b"", actor=an_officer())
    with pytest.raises(PayloadTooLargeError):
        documents.add_evidence(rt, case_id=case.id, filename="x", content=b"0" * (documents.MAX_EVIDENCE_BYTES + 1),
                               actor=an_officer())
    with pytest.raises(CaseNotFoundError):
        documents.add_evidence(rt, case_id=case.id, filename="x", content=b"1", actor=an_officer("mark", "markets"))
    with pytest.raises(ForbiddenError):
        documents.add_evidence(rt, case_id=case.id, filename="x", content=b"1", actor=an_auditor())
    cases.cancel_case(rt, case_id=case.id, reason="filed twice", actor=an_admin())
    with pytest.raises(CaseNotOpenError):
        documents.add_evidence(rt, case_id=case.id, filename="x", content=b"1", actor=an_officer())


def test_an_altered_document_is_reported_as_not_intact(rt, penalty):
    case = a_case(rt, penalty)
    view = documents.add_evidence(rt, case_id=case.id, filename="a.txt", content=b"original", actor=an_officer())
    rt.store.execute_sql("UPDATE document SET content = :c WHERE id = :i", c=b"forged", i=view.id)
    assert not documents.get_document(rt, case_id=case.id, document_id=view.id, actor=an_auditor()).intact


def _investigate(rt, case):
    return tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                               data={"findings": "stall on the pavement", "inspected_on": "2026-03-02"})


def test_history_names_the_path_taken_and_where_the_case_waits(rt, penalty):
    case = _investigate(rt, a_case(rt, penalty))
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                               data={"proposed_fine": 500, "served_on": "2026-03-02"})
    cases.deliver_message(rt, case_id=case.id, name="statement_received", payload={"text": "I moved the stall"},
                          actor=party_of(case))
    seen = history.case_history(rt, case_id=case.id, actor=an_auditor())
    assert seen.path[:4] == ["case_filed", "investigate", "serve_rights_notice", "await_statement"]
    assert "statement_arrived" in seen.path and "rights_waived" not in seen.path
    assert seen.current == ["recheck_statement"]
    assert [m.payload["data"] for m in seen.party_messages] == [{"text": "I moved the stall"}]
    investigate = next(e for e in seen.events if e.event_type == "task_completed")
    assert investigate.element_name == "Investigate the site" and investigate.payload["data"]["findings"]
    with pytest.raises(CaseNotFoundError):
        history.case_history(rt, case_id=case.id, actor=an_officer("mark", "markets"))


def party_of(case):
    from engine.services.party import PartyAccess

    return PartyAccess(case.id, case.case_no).actor


def test_a_waiting_case_shows_its_messages_and_timer(rt, penalty):
    case = _investigate(rt, a_case(rt, penalty))
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                        data={"proposed_fine": 500, "served_on": "2026-03-02"})
    seen = history.case_history(rt, case_id=case.id, actor=an_officer())
    assert seen.waiting_messages == ["statement_received", "waiver_received"]
    assert {"statement_period_ends", "statement_arrived", "rights_waived"} <= set(seen.current)


def test_a_draft_is_checked_without_deploying_and_problems_name_elements(rt, penalty):
    text = PENALTY.read_text().replace('<camunda:property name="stage" value="penalty_decision"/>', "")
    problems = revisions.check_draft(rt, files={"web_penalty.bpmn": text.encode()}, actor=an_admin())
    assert any(p["element_id"] == "decide_penalty" and p["rule"] == "USER_TASK_WITHOUT_STAGE" for p in problems)
    assert revisions.check_draft(rt, files={"web_penalty.bpmn": PENALTY.read_bytes()}, actor=an_admin()) == []
    assert revisions.check_draft(rt, files={"x.bpmn": b"<bpmn:definitions"}, actor=an_admin())[0]["rule"] == "XML_SYNTAX"
    with pytest.raises(ForbiddenError):
        revisions.check_draft(rt, files={"x.bpmn": b""}, actor=an_officer())
    assert [p.version for p in procedures.list_procedures(rt)] == [1], "checking stores nothing"


def test_the_diff_between_versions_names_what_changed(rt, penalty):
    text = (PENALTY.read_text().replace('name="Investigate the site"', 'name="Investigate and photograph"')
            .replace(">P15D<", ">P20D<")
            .replace('<camunda:formField id="reasons"', '<camunda:formField id="basis" label="Basis" type="string"/>'
                                                         '<camunda:formField id="reasons"'))
    procedures.deploy_procedure(rt, files={"web_penalty.bpmn": text.encode()}, actor=an_admin())
    diff = revisions.diff_versions(rt, key=penalty, old=1, new=2, actor=an_auditor())
    assert diff.renamed == [{"id": "investigate", "old": "Investigate the site", "new": "Investigate and photograph",
                             "old_names": {"zh_Hans": "现场调查"}, "new_names": {"zh_Hans": "现场调查"}}]
    assert [(t["id"], t["old"], t["new"]) for t in diff.timers] == [("statement_period_ends", "P15D", "P20D")]
    assert diff.forms == [{"id": "decide_penalty", "name": "Decide the penalty", "added": ["basis"], "removed": [],
                           "changed": []}]
    assert not diff.added and not diff.removed and not diff.empty
    [row] = revisions.procedure_history(rt, actor=an_officer())
    assert [v["version"] for v in row["versions"]] == [2, 1]
    assert row["versions"][0]["diff"]["renamed"] and row["versions"][1]["diff"] is None
    assert revisions.version_sources(rt, key=penalty, version=1, actor=an_admin()) == {
        "web_penalty.bpmn": PENALTY.read_text()}


def test_a_renamed_translation_is_a_rename_in_the_diff(rt, penalty):
    """A Chinese admin renames in Chinese (the modeler edits name_zh): the procedures page must show it."""
    text = PENALTY.read_text().replace('value="现场调查"', 'value="现场调查并拍照"')
    procedures.deploy_procedure(rt, files={"web_penalty.bpmn": text.encode()}, actor=an_admin())
    diff = revisions.diff_versions(rt, key=penalty, old=1, new=2, actor=an_auditor())
    assert diff.renamed == [{"id": "investigate", "old": "Investigate the site", "new": "Investigate the site",
                             "old_names": {"zh_Hans": "现场调查"}, "new_names": {"zh_Hans": "现场调查并拍照"}}]
    assert not diff.empty


def test_the_history_counts_the_cases_of_each_version_and_names_the_one_new_cases_get(rt, penalty):
    first = [a_case(rt, penalty) for _ in range(3)]
    cases.cancel_case(rt, case_id=first[0].id, reason="Filed twice by mistake", actor=a_supervisor())
    text = PENALTY.read_text().replace('name="Investigate the site"', 'name="Investigate and photograph"')
    procedures.deploy_procedure(rt, files={"web_penalty.bpmn": text.encode()}, actor=an_admin())
    [row] = revisions.procedure_history(rt, actor=an_officer())
    assert row["new_cases_version"] == 2
    assert [(v["version"], v["running"], v["finished"]) for v in row["versions"]] == [(2, 0, 0), (1, 2, 1)]
    opened = a_case(rt, penalty)
    assert opened.procedure_version == 2, "new cases get the version the page names"
    [row] = revisions.procedure_history(rt, actor=an_officer())
    assert [(v["version"], v["running"]) for v in row["versions"]] == [(2, 1), (1, 2)]
