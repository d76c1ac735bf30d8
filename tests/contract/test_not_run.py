"""What Dueflow will not run is said, not hidden: each listener, Java class, Groovy script, data store and extra executable pool is in the deploy result with its element and line."""
from __future__ import annotations

import pytest

from engine.domain import ProcedureInvalidError
from engine.services import procedures
from tests.builders import a_case, an_admin, files_of

NOT_RUN = files_of("elements/not_run.bpmn")["not_run.bpmn"]
# what cannot run at all: the deploy is refused until each is rewritten
REFUSED = [("DATA_STORE", "registry", 9), ("UNSUPPORTED", "tally", 21), ("JAVA_CLASS", "tell_archive", 25),
           ("DATA_STORE", "registry_ref", 34)]
# what the process runs without: deployed, and each is listed as a warning
LISTED = [("LISTENER", "start", 12), ("LISTENER", "review", 17), ("EXTRA_POOL", "archive", 40)]


def test_code_that_would_not_run_is_refused_with_element_line_and_what_to_do(rt):
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files={"not_run.bpmn": NOT_RUN}, actor=an_admin())
    found = sorted((p.rule, p.element_id, p.line) for p in refused.value.problems)
    assert found == sorted(REFUSED)
    messages = {p.element_id: p.message for p in refused.value.problems}
    assert "groovy" in messages["tally"] and "Python" in messages["tally"]
    assert "org.example.SendToArchive" in messages["tell_archive"] and "external" in messages["tell_archive"]
    assert procedures.list_procedures(rt) == []


def test_what_the_process_runs_without_is_listed_as_warnings_and_it_runs(rt):
    runnable = (NOT_RUN.replace(b'scriptFormat="groovy"', b'scriptFormat="python"')
                .replace(b'execution.setVariable("n", 1)', b"n = 1")
                .replace(b' camunda:class="org.example.SendToArchive"', b"")
                .replace(b'  <bpmn:dataStore id="registry" name="Registry"/>\n', b"")
                .replace(b'    <bpmn:dataStoreReference id="registry_ref" dataStoreRef="registry"/>\n', b""))
    result = procedures.deploy_procedure(rt, files={"not_run.bpmn": runnable}, actor=an_admin())
    listed = sorted((w["rule"], w["element_id"], w["line"]) for w in result.lint if w["severity"] == "warning")
    assert listed == sorted(LISTED)
    pool = next(w for w in result.lint if w["rule"] == "EXTRA_POOL")
    assert "'Archive'" in pool["message"] and "isExecutable" in pool["message"]
    case = a_case(rt, "office")
    assert [t.element_id for t in case.ready_tasks] == ["review"]
