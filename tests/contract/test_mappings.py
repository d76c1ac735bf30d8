"""camunda:inputOutput runs: inputs are the element's own variables while it runs (hiding case variables of
the same name, gone after it), outputs set case variables when it ends; bad mappings are refused by name."""
from __future__ import annotations

import pytest

from engine.domain import ProcedureInvalidError
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from tests.builders import a_case, an_admin, an_officer, files_of

MAPPED = files_of("elements/mappings.bpmn")["mappings.bpmn"]


@pytest.fixture(params=["warm", "cold"])
def runtime(request, rt, store, clock) -> Runtime:
    """The shared runtime, and one that reloads the case from the database at every step."""
    return rt if request.param == "warm" else Runtime(store, clock, warm_cases=0)


def test_input_and_output_parameters_run_in_the_sandbox_and_inputs_stay_the_elements_own(runtime):
    rt = runtime
    procedures.deploy_procedure(rt, files={"mappings.bpmn": MAPPED}, actor=an_admin())
    case = a_case(rt, "mapped", base=3)
    data = cases.get_case(rt, case_id=case.id, actor=an_officer()).data
    # compute: rate = base = 3 (its own), the script sets amount = 30; total = amount, kind = "fine", big = False
    assert (data["amount"], data["total"], data["kind"], data["big"]) == (30, 30, "fine", False)
    assert "rate" not in data and "label" not in data, "inputs do not outlive their element"
    [task] = cases.get_case(rt, case_id=case.id, actor=an_officer()).ready_tasks
    done = tasks.complete_task(rt, task_id=task.id, data={"note": "checked"}, actor=an_officer())
    assert done.status == "closed"
    data = cases.get_case(rt, case_id=case.id, actor=an_officer()).data
    assert (data["confirmed_note"], data["seen_base"]) == ("checked", 30), "the task saw its own base"
    assert data["base"] == 3, "the case variable its input hid is back"


def test_a_mapping_that_cannot_run_is_refused_naming_the_element_and_line(rt):
    bad = (MAPPED.replace(b"${base}</camunda:inputParameter>\n          <camunda:inputParameter name=\"label\"",
                          b"${__import__('os')}</camunda:inputParameter>\n          <camunda:inputParameter name=\"label\"")
           .replace(b'<camunda:inputParameter name="label">fine</camunda:inputParameter>',
                    b'<camunda:inputParameter name="label"><camunda:list><camunda:value>a</camunda:value>'
                    b'</camunda:list></camunda:inputParameter>'))
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files={"mappings.bpmn": bad}, actor=an_admin())
    found = sorted((p.rule, p.element_id, p.line) for p in refused.value.problems)
    assert found == [("EXPRESSION", "compute", 10), ("MAPPING", "compute", 11)]
    assert "<list>" in next(p.message for p in refused.value.problems if p.rule == "MAPPING")


SUBPROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://dueflow.test">
  <bpmn:process id="mapped_sub" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:subProcess id="inner">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="owner">${party_name}</camunda:inputParameter>
        <camunda:outputParameter name="signed_by">${signer}</camunda:outputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:startEvent id="inner_start"/>
      <bpmn:scriptTask id="sign" scriptFormat="python"><bpmn:script>signer = owner + " (signed)"</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="inner_end"/>
      <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="sign"/>
      <bpmn:sequenceFlow id="i2" sourceRef="sign" targetRef="inner_end"/>
    </bpmn:subProcess>
    <bpmn:userTask id="check" name="Check"/>
    <bpmn:endEvent id="done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inner"/>
    <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_embedded_subprocess_runs_its_mappings_around_its_body(runtime):
    procedures.deploy_procedure(runtime, files={"sub.bpmn": SUBPROCESS}, actor=an_admin())
    case = a_case(runtime, "mapped_sub")
    data = cases.get_case(runtime, case_id=case.id, actor=an_officer()).data
    assert data["signed_by"] == "Green Grocer Ltd (signed)"
    assert "owner" not in data, "the subprocess's input is its own"
