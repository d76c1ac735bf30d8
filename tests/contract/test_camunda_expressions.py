"""A procedure whose gateways are written in Camunda's JUEL deploys and routes cases by the data: `#{...}`,
variables named like Python keywords (`class`, `from`, `continue`), execution.getVariable and Java methods."""
from __future__ import annotations

import pytest

from engine.services import cases, procedures, tasks
from tests.builders import an_admin, an_officer, files_of

JUEL = files_of("camunda/juel_gateways.bpmn")


@pytest.mark.parametrize("tags, form, outcome", [
    ([], {"class": "A", "from": "hotline", "continue": False}, "stopped"),
    ([], {"class": "A", "from": "hotline", "continue": True}, "class_a"),
    ([], {"class": "B", "from": "port authority", "continue": True}, "from_port"),
    (["urgent"], {"class": "B", "from": "hotline", "continue": True}, "urgent"),
    (["urgent", "a", "b"], {"class": "B", "from": "hotline", "continue": True}, "other"),
])
def test_juel_gateways_route_by_the_data(rt, tags, form, outcome):
    procedures.deploy_procedure(rt, files=JUEL, actor=an_admin())
    case = cases.open_case(rt, procedure="juel_gateways", data={"tags": tags}, actor=an_officer())
    done = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=form, actor=an_officer())
    assert (done.status, done.outcome) == ("closed", outcome)
    assert done.data["class"] == form["class"] and done.data["from"] == form["from"]
