"""Deploying procedures: versions, idempotence, and failed deploys that store nothing and say why."""
import re

import pytest

from engine.domain import ForbiddenError, ProcedureInvalidError
from engine.services import procedures
from engine.store import queries
from tests.builders import an_admin, an_officer, files_of

NOTICE = files_of("notice.bpmn", "fine_amount.dmn")


def test_a_deploy_stores_version_one_and_audits_it(rt):
    result = procedures.deploy_procedure(rt, files=NOTICE, actor=an_admin())
    assert (result.key, result.version, result.created) == ("notice", 1, True)
    with rt.store.transaction(write=False) as session:
        event = queries.last_audit_event(session, 0)
    assert event.event_type == "procedure_deployed" and event.actor == "ada"
    assert '"version":1' in event.payload


def test_identical_files_return_the_existing_version_and_changed_files_make_the_next(rt):
    first = procedures.deploy_procedure(rt, files=NOTICE, actor=an_admin())
    again = procedures.deploy_procedure(rt, files=NOTICE, actor=an_admin())
    changed = dict(NOTICE, **{"notice.bpmn": NOTICE["notice.bpmn"].replace(b"Inspect the site", b"Inspect")})
    second = procedures.deploy_procedure(rt, files=changed, actor=an_admin())
    assert (again.version, again.created, again.sha256) == (1, False, first.sha256)
    assert (second.version, second.created) == (2, True)
    assert [(v.key, v.version) for v in procedures.list_procedures(rt)] == [("notice", 1), ("notice", 2)]


def test_only_admins_deploy(rt):
    with pytest.raises(ForbiddenError):
        procedures.deploy_procedure(rt, files=NOTICE, actor=an_officer())


def _broken(old: bytes, new: bytes) -> dict[str, bytes]:
    assert old in NOTICE["notice.bpmn"]
    return dict(NOTICE, **{"notice.bpmn": NOTICE["notice.bpmn"].replace(old, new)})


def _problems(rt, files):
    with pytest.raises(ProcedureInvalidError) as caught:
        procedures.deploy_procedure(rt, files=files, actor=an_admin())
    assert procedures.list_procedures(rt) == [], "a failed deploy must store nothing"
    return caught.value.problems


def _line_of(files, needle: bytes) -> int:
    return files["notice.bpmn"][: files["notice.bpmn"].index(needle)].count(b"\n") + 1


def test_malformed_xml_names_file_and_line(rt):
    files = _broken(b"</bpmn:userTask>\n    <bpmn:userTask id=\"approve\"", b"\n    <bpmn:userTask id=\"approve\"")
    [problem] = _problems(rt, files)
    assert problem.file == "notice.bpmn" and problem.rule == "XML_SYNTAX" and problem.line > 1


def test_a_flow_to_a_missing_element_names_the_flow(rt):
    files = _broken(b'targetRef="approve"/>', b'targetRef="aprove"/>')
    [problem] = _problems(rt, files)
    assert (problem.element_id, problem.rule) == ("f2", "MISSING_ELEMENT")
    assert "aprove" in problem.message and problem.line == _line_of(files, b'targetRef="aprove"')


def test_an_unsupported_element_is_refused(rt):
    files = _broken(b'<bpmn:exclusiveGateway id="fine_gateway" default="f_warn">',
                    b'<bpmn:complexGateway id="fine_gateway" default="f_warn">').copy()
    files["notice.bpmn"] = files["notice.bpmn"].replace(b"</bpmn:exclusiveGateway>", b"</bpmn:complexGateway>")
    problems = _problems(rt, files)
    assert any(p.element_id == "fine_gateway" and p.rule == "UNSUPPORTED" for p in problems)


def test_every_unsafe_or_broken_expression_is_reported_at_once(rt):
    files = _broken(b"${fine_due == true &amp;&amp; fine &gt; 0}", b"__import__('os').system('id')")
    files["notice.bpmn"] = files["notice.bpmn"].replace(b">PT36H<", b">P7 days<")
    files["fine_amount.dmn"] = files["fine_amount.dmn"].replace(b"<text>2000</text>",
                                                                b"<text>().__class__.__base__</text>")
    problems = _problems(rt, files)
    by_element = {p.element_id: p for p in problems}
    assert set(by_element) == {"f5", "approve_deadline", "fine_amount"}
    assert "unsafe" in by_element["f5"].message and "'_'" in by_element["f5"].message
    assert "syntax error" in by_element["approve_deadline"].message
    assert by_element["fine_amount"].file == "fine_amount.dmn" and "unsafe" in by_element["fine_amount"].message
    assert all(p.line for p in problems)


def test_a_condition_that_cannot_be_translated_is_a_deploy_error(rt):
    files = _broken(b"${fine_due == true &amp;&amp; fine &gt; 0}", b"${fine.intValue() &gt; 0}")
    [problem] = _problems(rt, files)
    assert problem.element_id == "f5" and "cannot translate" in problem.message


def test_an_import_in_a_script_task_is_refused(rt):
    script = (b'<bpmn:scriptTask id="compute" scriptFormat="python"><bpmn:incoming>f3</bpmn:incoming>'
              b'<bpmn:outgoing>f3b</bpmn:outgoing><bpmn:script>import os\nfine = 1</bpmn:script></bpmn:scriptTask>'
              b'<bpmn:sequenceFlow id="f3b" sourceRef="compute" targetRef="fine_table"/>')
    files = _broken(b'<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="fine_table"/>',
                    b'<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="compute"/>' + script)
    [problem] = _problems(rt, files)
    assert problem.element_id == "compute" and "imports are not allowed" in problem.message


def test_invalid_bpmn_against_the_schema_is_located(rt):
    files = _broken(b'<bpmn:startEvent id="start">', b'<bpmn:startEvent id="start" bogus="1">')
    problems = _problems(rt, files)
    assert problems[0].rule == "XSD" and problems[0].line == _line_of(files, b'bogus="1"')


def test_camunda_modeler_files_deploy_unchanged(rt):
    """Unquoted timers (PT36H, P15D) and ${...} conditions are translated, not rejected."""
    text = NOTICE["notice.bpmn"].decode()
    assert re.search(r">PT36H<", text) and "${fine_due == true" in text
    assert procedures.deploy_procedure(rt, files=NOTICE, actor=an_admin()).created


@pytest.mark.parametrize("name", ["notice\r\n.bpmn", "notice.bpmn\nX-Injected: 1", "no\ttabs.bpmn", "..",
                                  "C:\\temp\\notice.bpmn"])
def test_a_file_name_with_line_breaks_or_control_characters_is_refused_and_nothing_is_stored(rt, name):
    files = files_of("notice.bpmn", "fine_amount.dmn")
    files[name] = files.pop("notice.bpmn")
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=files, actor=an_admin())
    assert [p.rule for p in refused.value.problems] == ["FILE_NAME"]
    assert "\n" not in refused.value.problems[0].file and "\r" not in refused.value.problems[0].file
    assert procedures.list_procedures(rt) == []
