"""The sandbox process's bootstrap (`python -I -m engine.sandbox_main`): registers the helpers procedure code
may call, warms up every import and schema a step needs, locks the process down and serves steps."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone

from engine.calendar import BPMN_HELPERS
from engine.workflow import sandbox_worker
from engine.workflow.environment import register_helper
from engine.workflow.parsing import load_schemas, parse_procedure
from engine.workflow.running import CaseRun

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="warm_up_definitions" targetNamespace="http://dueflow.example/warm-up">
  <bpmn:message id="paid_message" name="paid"/>
  <bpmn:process id="warm_up" name="warm up" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="prepare" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>names = [n.strip().lower() for n in "a, b".split(",")]
total = sum(len(n) for n in names)
due = working_days_after("2026-03-02", 5)</bpmn:script></bpmn:scriptTask>
    <bpmn:businessRuleTask id="table" camunda:decisionRef="warm_table"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="choice" default="f5"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="review"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:outgoing>f7</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT36H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:intermediateCatchEvent id="paid"><bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="paid_message"/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f7</bpmn:incoming>
      <bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="table"/>
    <bpmn:sequenceFlow id="f3" sourceRef="table" targetRef="choice"/>
    <bpmn:sequenceFlow id="f4" sourceRef="choice" targetRef="review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">fine &gt; 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="choice" targetRef="done"/>
    <bpmn:sequenceFlow id="f6" sourceRef="review" targetRef="paid"/>
    <bpmn:sequenceFlow id="f7" sourceRef="late" targetRef="done"/>
    <bpmn:sequenceFlow id="f8" sourceRef="paid" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""
_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="warm_definitions" name="warm"
  namespace="http://dueflow.example/warm-up">
  <decision id="warm_table" name="warm"><decisionTable id="warm_rules" hitPolicy="FIRST">
    <input id="in_total"><inputExpression id="in_total_expr" typeRef="integer"><text>total</text></inputExpression></input>
    <output id="out_fine" name="fine" typeRef="integer"/>
    <rule id="r1"><inputEntry id="r1_i"><text>&gt;= 2</text></inputEntry><outputEntry id="r1_o"><text>200</text></outputEntry></rule>
    <rule id="r2"><inputEntry id="r2_i"><text>-</text></inputEntry><outputEntry id="r2_o"><text>0</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>"""


def warm_up() -> None:
    """Run one small case through every kind of step, so nothing is imported or read after lock-down."""
    load_schemas()  # DMN 1.1 and 1.2 too, not only the 1.3 of the warm-up table
    procedure = parse_procedure({"warm_up.bpmn": _BPMN.encode(), "warm_up.dmn": _DMN.encode()})
    now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    run, _ = CaseRun.start(procedure, {"party": {"name": "x"}}, now)
    run = CaseRun.load(procedure, run.dump())
    task = run.ready_tasks()[0]
    run.complete(task.task_id, {"ok": True}, now)
    run.deliver("paid", {"amount": 1}, now)
    run.view()
    datetime.strptime("2026-03-02", "%Y-%m-%d")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory-mib", type=int, default=256)
    args = parser.parse_args()
    for name, function in BPMN_HELPERS.items():
        register_helper(name, function)
    warm_up()
    sandbox_worker.serve(args.memory_mib)


if __name__ == "__main__":
    main()
