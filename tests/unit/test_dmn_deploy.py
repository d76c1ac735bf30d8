"""A DMN table Dueflow cannot run is refused at deploy, naming file, line, decision, rule and column."""
from __future__ import annotations

import pytest

from engine.domain import ProcedureInvalidError
from engine.workflow import parse_procedure
from tests.builders import files_of, procedure_files

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="t_definitions" targetNamespace="http://dueflow.example/test">
  <bpmn:process id="t" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="decide" camunda:decisionRef="d" {attrs}><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
  id="t_dmn" name="t" namespace="http://dueflow.example/test">
  <decision id="d" name="d">{requires}
    <decisionTable id="d_table" hitPolicy="{policy}"{aggregation}>
      <input id="d_in" label="Amount"><inputExpression id="d_in_expr" typeRef="number"><text>amount</text></inputExpression></input>
      <output id="d_out" name="fee" typeRef="string"/>{outputs}
      <rule id="r1"><inputEntry id="r1_in"><text>{test}</text></inputEntry><outputEntry id="r1_out"><text>{output}</text></outputEntry>{more}</rule>
    </decisionTable>
  </decision>{decisions}
</definitions>"""


def _files(attrs="", requires="", policy="UNIQUE", aggregation="", outputs="", test="&lt; 10", output='"low"',
           more="", decisions=""):
    dmn = DMN.format(requires=requires, policy=policy, aggregation=aggregation, outputs=outputs, test=test,
                     output=output, more=more, decisions=decisions)
    return {"t.bpmn": BPMN.format(attrs=attrs).encode(), "t.dmn": dmn.encode()}


def _problems(files):
    with pytest.raises(ProcedureInvalidError) as caught:
        parse_procedure(files)
    return caught.value.problems


def test_a_camunda_table_deploys():
    assert parse_procedure(_files()).key == "t"


@pytest.mark.parametrize("procedure", ["ordinary_procedure", "simplified_procedure"])
def test_the_bundled_tables_with_python_cells_still_deploy(procedure):
    assert parse_procedure(procedure_files(procedure)).key == procedure


@pytest.mark.parametrize("test", ["'low'", "in (1, 2)", "1 &lt; ? &lt; 5"])
def test_python_cells_of_older_dueflow_tables_still_deploy(test):
    assert parse_procedure(_files(test=test)).key == "t"


def test_an_output_naming_an_unknown_variable_is_a_deploy_error():
    [problem] = _problems(_files(output="low"))
    assert (problem.file, problem.element_id, problem.rule) == ("t.dmn", "d", "DMN")
    assert problem.line == 8
    assert problem.message == ("decision 'd', rule 'r1', output 'fee': 'low' reads 'low', which is none of this "
                               "decision's inputs (amount, cellInput) (a string is written in double quotes: "
                               "\"low\")")


def test_an_output_may_read_the_inputs_and_the_required_decisions_outputs():
    other = """
  <decision id="base" name="base"><decisionTable id="base_table">
    <input id="base_in"><inputExpression id="base_in_expr"><text>amount</text></inputExpression></input>
    <output id="base_out" name="base_fee"/>
    <rule id="b1"><inputEntry id="b1_in"><text>-</text></inputEntry><outputEntry id="b1_out"><text>10</text></outputEntry></rule>
  </decisionTable></decision>"""
    requires = '<informationRequirement id="d_needs"><requiredDecision href="#base"/></informationRequirement>'
    assert parse_procedure(_files(requires=requires, decisions=other, output="base_fee + amount"))


@pytest.mark.parametrize("change, message", [
    ({"test": "'low' or"}, "decision 'd', rule 'r1', input 'Amount': cannot translate \"'low' or\": unexpected "
                           "\"'low' or\" (FEEL strings use double quotes) (read as FEEL; nor is it a Python cell)"),
    ({"test": "[1..5}"}, "decision 'd', rule 'r1', input 'Amount': cannot translate '[1..5}': unexpected '}'"),
    ({"output": 'upper("x")'}, "'upper(\"x\")' reads 'upper', which is none of this decision's inputs (amount, "
                               "cellInput) (read as FEEL: the function upper() is not supported"),
    ({"output": "().__class__"}, "decision 'd', rule 'r1', output 'fee': unsafe expression"),
    ({"output": "amount.__class__"}, "decision 'd', rule 'r1', output 'fee': unsafe expression"),
    ({"test": '"__import__"'}, "strings containing '__' are not allowed"),
    ({"policy": "FIRST", "aggregation": ' aggregation="SUM"'}, "aggregation 'SUM' needs hit policy COLLECT"),
    ({"policy": "COLLECT", "aggregation": ' aggregation="SUM"', "outputs": '<output id="d_out2" name="x"/>',
      "more": '<outputEntry id="r1_out2"><text>1</text></outputEntry>'}, "needs exactly one output column, not 2"),
    ({"policy": "PRIORITY"}, "hit policy PRIORITY ranks rules by their outputs' values"),
    ({"requires": '<informationRequirement id="d_needs"><requiredDecision href="#gone"/></informationRequirement>'},
     "it requires decision 'gone', which is in no DMN file of this procedure"),
    ({"more": '<outputEntry id="r1_out2"><text>1</text></outputEntry>'},
     "decision 'd', rule 'r1': has 1 input and 2 output entries for 1 inputs and 1 outputs"),
])
def test_a_table_dueflow_cannot_run_is_refused_naming_the_cell(change, message):
    problems = _problems(_files(**change))
    assert any(message in p.message and p.element_id == "d" and p.line for p in problems), problems


def test_a_requirement_cycle_is_refused():
    other = """
  <decision id="base" name="base">
    <informationRequirement id="base_needs"><requiredDecision href="#d"/></informationRequirement>
    <decisionTable id="base_table">
    <input id="base_in"><inputExpression id="base_in_expr"><text>amount</text></inputExpression></input>
    <output id="base_out" name="base_fee"/>
    <rule id="b1"><inputEntry id="b1_in"><text>-</text></inputEntry><outputEntry id="b1_out"><text>10</text></outputEntry></rule>
  </decisionTable></decision>"""
    requires = '<informationRequirement id="d_needs"><requiredDecision href="#base"/></informationRequirement>'
    problems = _problems(_files(requires=requires, decisions=other))
    assert {p.element_id for p in problems if "lead back to it" in p.message} == {"d", "base"}


@pytest.mark.parametrize("attrs, message", [
    ('camunda:mapDecisionResult="firstOne"', "camunda:mapDecisionResult 'firstOne' is not one of resultList, "
                                             "singleResult, singleEntry, collectEntries"),
    ('camunda:resultVariable="a b"', "camunda:resultVariable 'a b' is not a variable name"),
])
def test_a_business_rule_task_with_a_bad_mapping_is_refused(attrs, message):
    [problem] = _problems(_files(attrs=attrs))
    assert message in problem.message and problem.element_id == "decide"


def test_a_decision_that_is_no_table_is_refused():
    files = _files()
    files["t.dmn"] = files["t.dmn"].replace(b"</definitions>", b'<decision id="lit" name="lit"><literalExpression '
                                            b'id="lit_expr"><text>1</text></literalExpression></decision></definitions>')
    [problem] = _problems(files)
    assert problem.message == "decision 'lit': only decision tables are supported, not a literalExpression"


def test_the_test_fixture_with_python_cells_still_deploys():
    assert parse_procedure(files_of("notice.bpmn", "fine_amount.dmn")).key == "notice"


def test_the_helpers_an_output_may_call_are_the_sandbox_helpers():
    from engine.calendar import BPMN_HELPERS
    from engine.bpmn.decisions import HELPER_NAMES
    assert set(HELPER_NAMES) == set(BPMN_HELPERS)
    assert parse_procedure(_files(output='working_days_after("2026-03-02", 5)')).key == "t"


def test_dmn_1_1_as_older_modelers_write_it_deploys_too():
    files = _files()
    files["t.dmn"] = files["t.dmn"].replace(b"https://www.omg.org/spec/DMN/20191111/MODEL/",
                                            b"http://www.omg.org/spec/DMN/20151101/dmn.xsd")
    assert parse_procedure(files).key == "t"
