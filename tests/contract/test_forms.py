"""Forms and variables: a start form is checked when a case is opened; a task with only a formKey takes the
variables it declares (Flowable formProperty, or the extension property `variables`), checked, never dropped."""
from __future__ import annotations

import pytest

from engine.domain import InvalidDataError
from engine.services import cases, procedures, tasks
from tests.builders import a_case, an_admin, an_officer, files_of

FORMS = files_of("elements/start_form.bpmn")


def _fields(error: InvalidDataError) -> dict[str, str]:
    return {d["field"]: d["message"] for d in error.details}


def _complete(rt, case_id: int, element_id: str, data: dict):
    view = cases.get_case(rt, case_id=case_id, actor=an_officer())
    task = next(t for t in view.ready_tasks if t.element_id == element_id)
    return tasks.complete_task(rt, task_id=task.id, data=data, actor=an_officer())


def test_a_start_form_is_checked_when_a_case_is_opened_naming_the_field(rt):
    result = procedures.deploy_procedure(rt, files=FORMS, actor=an_admin())
    with pytest.raises(InvalidDataError) as missing:
        a_case(rt, "permit_request")
    assert _fields(missing.value) == {"applicant": "is required"}
    with pytest.raises(InvalidDataError) as too_many:
        a_case(rt, "permit_request", applicant="Li Wei", stalls=30)
    assert _fields(too_many.value) == {"stalls": "must be at most 20"}
    case = a_case(rt, "permit_request", applicant="Li Wei", note="kept as before")
    view = cases.get_case(rt, case_id=case.id, actor=an_officer())
    assert (view.data["applicant"], view.data["stalls"], view.data["note"]) == ("Li Wei", 1, "kept as before")
    assert procedures.start_forms(rt)["permit_request"][0]["id"] == "applicant"
    [warning] = [w for w in result.lint if w["rule"] == "FORM"]
    assert (warning["element_id"], warning["line"], warning["severity"]) == ("sign", 30, "warning")


def test_a_task_with_only_a_form_key_takes_the_variables_it_declares_and_nothing_else(rt):
    procedures.deploy_procedure(rt, files=FORMS, actor=an_admin())
    case = a_case(rt, "permit_request", applicant="Li Wei")
    with pytest.raises(InvalidDataError) as unknown:
        _complete(rt, case.id, "review", {"approved_by": "Zhang", "colour": "red"})
    assert _fields(unknown.value) == {"colour": "is not a field of this form"}
    _complete(rt, case.id, "review", {"approved_by": "Zhang", "remark": "fine"})
    with pytest.raises(InvalidDataError) as required:
        _complete(rt, case.id, "decide", {"fee": "ten"})
    assert _fields(required.value) == {"approved": "is required", "fee": "must be a whole number"}
    _complete(rt, case.id, "decide", {"approved": "true", "fee": "120"})
    done = _complete(rt, case.id, "sign", {})
    assert done.status == "closed"
    data = cases.get_case(rt, case_id=case.id, actor=an_officer()).data
    assert (data["approved_by"], data["remark"], data["approved"], data["fee"]) == ("Zhang", "fine", True, 120)
