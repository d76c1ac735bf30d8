"""DMN tables as Camunda Modeler writes them run unchanged: FEEL cells, every hit policy, several decisions
in one file with a requirement graph, camunda:resultVariable and camunda:mapDecisionResult. What the DMN
standard calls an error (UNIQUE with two matching rules, ANY with different outputs) is an incident, and a
decision's cells run in the sandbox under the step's budget."""
from __future__ import annotations

import re

import pytest

from engine.domain import BudgetExceededError, WorkflowError
from engine.services import cases, incidents, procedures, tasks
from tests.builders import an_admin, an_auditor, an_officer, files_of

FEES = files_of("camunda/permit_fees.bpmn", "camunda/permit_fees.dmn")
CONFLICTS = files_of("camunda/conflicts.bpmn", "camunda/permit_fees.dmn")

BIG_FOOD_STALL = {"amount": 1500, "category": "food", "filed_on": "2026-08-01"}
SMALL_TOY_SHOP = {"amount": 100, "category": "toys", "filed_on": "2026-02-01"}


def _entered(rt, files, procedure, form, start=None):
    procedures.deploy_procedure(rt, files=files, actor=an_admin())
    case = cases.open_case(rt, procedure=procedure, data=start or {}, actor=an_officer())
    return case, lambda: tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=form, actor=an_officer())


@pytest.mark.parametrize("form, expected, outcome", [
    (BIG_FOOD_STALL, {
        "risk": "high",  # UNIQUE over a range, camunda:inputVariable; no result variable: outputs become variables
        "fee": 500,  # FIRST, requires decision 'risk'; singleEntry
        "checks": ["hygiene", "identity", "storage"],  # COLLECT, collectEntries
        "points": 7,  # COLLECT SUM
        "check_count": 2,  # COLLECT COUNT
        "lowest": 3,  # COLLECT MIN
        "level_result": {"level": "urgent"},  # PRIORITY by outputValues, singleResult
        "queue": [{"step": "inspect"}, {"step": "notify"}, {"step": "file"}],  # OUTPUT ORDER, resultList
        "office": "health",  # ANY with equal outputs
        "reasons": ["filed", "food safety"],  # RULE ORDER
        "period": "P30D", "flagged": True,  # date ranges, duration outputs
        "default_list": [{"reason": "filed"}, {"reason": "food safety"}],  # mapDecisionResult left out
    }, None),
    (SMALL_TOY_SHOP, {
        "risk": "low", "fee": 50, "checks": ["identity"], "points": 1, "check_count": 1, "lowest": 7,
        "level_result": {"level": "normal"}, "queue": [{"step": "notify"}, {"step": "file"}], "office": "health",
        "reasons": ["filed"], "period": "P15D", "flagged": False,
    }, "done"),
])
def test_camunda_decisions_set_the_case_variables(rt, form, expected, outcome):
    case, enter = _entered(rt, FEES, "permit_fees", form)
    after = enter()
    assert {key: after.data.get(key) for key in expected} == expected
    if outcome:
        assert (after.status, after.outcome) == ("closed", outcome)
    else:  # the JUEL gateway read the decision results: a big fee with a hygiene check is reviewed
        assert [t.element_id for t in after.ready_tasks] == ["review"]
    evaluated = {e["element_id"]: e["payload"] for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
                 if e["event_type"] == "decision_evaluated"}
    assert evaluated["assess_fee"] == {"decision": "fee", "result": {"fee": expected["fee"]}}
    assert evaluated["rank_level"]["result"] == {"level_result": expected["level_result"]}


@pytest.mark.parametrize("which, says", [
    ("clash", "decision 'clash' has hit policy UNIQUE but rules 'clash_small', 'clash_any' all match"),
    ("differ", "decision 'differ' has hit policy ANY but rules 'differ_a', 'differ_b' match with different outputs"),
])
def test_a_decision_the_standard_calls_an_error_opens_an_incident(rt, which, says):
    case, enter = _entered(rt, CONFLICTS, "conflicts", {"amount": 10, "which": which})
    with pytest.raises(WorkflowError, match=says):
        enter()
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert incident.case_id == case.id and says in incident.message
    assert cases.get_case(rt, case_id=case.id, actor=an_officer()).status == "open"


def test_a_decision_cell_runs_under_the_step_budget(rt):
    rt.settings = type(rt.settings).ephemeral(script_seconds=0.05)
    files = dict(CONFLICTS)
    files["permit_fees.dmn"] = files["permit_fees.dmn"].replace(
        b'<inputEntry id="clash_small_i0"><text>&lt; 1000</text>',
        b'<inputEntry id="clash_small_i0"><text>sum(range(10 ** 9)) &gt; ?</text>')
    _, enter = _entered(rt, files, "conflicts", {"amount": 10, "which": "clash"})
    with pytest.raises(BudgetExceededError):
        enter()
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert incident.code == "budget_exceeded"


@pytest.mark.parametrize("start, says", [
    ({"amount": None}, "no rule of decision 'risk' matches: amount=None"),
    ({}, "decision 'risk', input 'amount_in': NameError: name 'amount' is not defined"),
])
def test_a_table_without_result_variable_that_gives_nothing_opens_an_incident(rt, start, says):
    form = {key: value for key, value in SMALL_TOY_SHOP.items() if key != "amount"}
    case, enter = _entered(rt, FEES, "permit_fees", form, start)
    with pytest.raises(WorkflowError, match=says):
        enter()
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert incident.case_id == case.id and says in incident.message


def test_a_dmn_1_1_table_runs_in_the_sandbox_too(rt):
    """Camunda Modeler 3 and 4 wrote DMN 1.1: the sandbox validates it against its own schema."""
    files = dict(FEES)
    files["permit_fees.dmn"] = re.sub(
        rb'<informationRequirement id="[^"]+">', b"<informationRequirement>",
        files["permit_fees.dmn"].replace(b"https://www.omg.org/spec/DMN/20191111/MODEL/",
                                         b"http://www.omg.org/spec/DMN/20151101/dmn.xsd"))
    _, enter = _entered(rt, files, "permit_fees", SMALL_TOY_SHOP)
    assert enter().data["fee"] == 50


def test_a_dmn_1_2_table_deploys_and_runs(rt):
    """SpiffWorkflow's DMN 1.2 schema does not load; such a file is read without XSD validation, not a 500."""
    files = dict(FEES)
    files["permit_fees.dmn"] = files["permit_fees.dmn"].replace(b"https://www.omg.org/spec/DMN/20191111/MODEL/",
                                                                b"http://www.omg.org/spec/DMN/20180521/MODEL/")
    _, enter = _entered(rt, files, "permit_fees", SMALL_TOY_SHOP)
    assert enter().data["fee"] == 50
