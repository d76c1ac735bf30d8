"""Evaluating DMN decisions inside the sandbox step that runs the business rule task, with every hit
policy and the checks the DMN standard asks for (UNIQUE and ANY fail loudly), decision requirement graphs,
and Camunda's `camunda:resultVariable` / `camunda:mapDecisionResult`. Cells are the checked Python that
engine.bpmn.decisions built; they run in the task's restricted environment, under the step's CPU budget."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask

from engine.bpmn.decisions import Decision
from engine.domain import UnsafeExpressionError
from engine.workflow.external import DueflowParser as ExternalTaskParser
from engine.feel import INPUT

MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")
Row = dict[str, Any]


class DecisionError(Exception):
    """A decision that cannot give a result (no rule for a single result, UNIQUE or ANY violated, a cell
    that fails): the step fails and the case gets an incident naming the decision, rule and column."""


@dataclass(frozen=True)
class _Column:
    name: str


@dataclass(frozen=True)
class _Summary:
    """What the audit trail reports of a decision (the shape engine.workflow.running reads)."""

    id: str
    outputs: tuple[_Column, ...]


class DecisionEvaluator:
    """Evaluates one decision, and the decisions it requires, against a task's data."""

    def __init__(self, decisions: dict[str, Decision], decision_id: str, reported: tuple[str, ...]):
        self.decisions, self.decision_id = decisions, decision_id
        self.decision_table = _Summary(decision_id, tuple(_Column(name) for name in reported))

    def rows(self, environment, data: dict[str, Any]) -> list[Row]:
        return _Evaluation(self.decisions, environment).decide(self.decision_id, data)


class _Evaluation:
    def __init__(self, decisions: dict[str, Decision], environment):
        self.decisions, self.environment = decisions, environment

    def run(self, python: str, context: dict[str, Any], decision: Decision, where: str) -> Any:
        try:
            return self.environment.evaluate(python, context)
        except (UnsafeExpressionError, DecisionError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a cell raised, the incident names the cell
            raise DecisionError(f"decision '{decision.id}'{where}: {type(exc).__name__}: {exc}") from None

    def decide(self, decision_id: str, data: dict[str, Any]) -> list[Row]:
        decision = self.decisions[decision_id]
        context = dict(data)
        for ref in decision.required:  # a required decision's outputs are variables of this one
            context.update(_as_variables(self.decide(ref, data), self.decisions[ref]))
        contexts = []
        for column in decision.inputs:
            value = self.run(column.expression, context, decision, f", input '{column.label}'")
            contexts.append({**context, INPUT: value})
        matched = [rule for rule in decision.rules
                   if all(test is None or self.run(test, column_context, decision,
                                                   f", rule '{rule.id}', input '{column.label}'")
                          for test, column_context, column in zip(rule.tests, contexts, decision.inputs))]
        return self.apply_hit_policy(decision, matched, context)

    def outputs(self, decision: Decision, rule, context: dict[str, Any]) -> Row:
        return {column.name: None if python is None else
                self.run(python, context, decision, f", rule '{rule.id}', output '{column.name}'")
                for column, python in zip(decision.outputs, rule.outputs)}

    def apply_hit_policy(self, decision: Decision, matched: list, context: dict[str, Any]) -> list[Row]:
        policy = decision.hit_policy
        if policy == "UNIQUE" and len(matched) > 1:
            raise DecisionError(f"decision '{decision.id}' has hit policy UNIQUE but rules "
                                f"{', '.join(repr(r.id) for r in matched)} all match")
        if policy in ("UNIQUE", "FIRST"):
            return [self.outputs(decision, matched[0], context)] if matched else []
        rows = [self.outputs(decision, rule, context) for rule in matched]
        if policy == "ANY":
            if any(row != rows[0] for row in rows):
                raise DecisionError(f"decision '{decision.id}' has hit policy ANY but rules "
                                    f"{', '.join(repr(r.id) for r in matched)} match with different outputs")
            return rows[:1]
        if policy in ("PRIORITY", "OUTPUT ORDER"):
            order = sorted(range(len(rows)), key=lambda i: _rank(decision, rows[i]))
            rows = [rows[i] for i in order]
            return rows[:1] if policy == "PRIORITY" else rows
        if policy == "COLLECT" and decision.aggregation:
            return _aggregate(decision, rows)
        return rows  # COLLECT, RULE ORDER


def _rank(decision: Decision, row: Row) -> tuple[int, ...]:
    ranks = []
    for column in decision.outputs:
        if column.priorities:
            value = row.get(column.name)
            ranks.append(column.priorities.index(value) if value in column.priorities else len(column.priorities))
    return tuple(ranks)


def _aggregate(decision: Decision, rows: list[Row]) -> list[Row]:
    name = decision.outputs[0].name
    values = [row[name] for row in rows if row[name] is not None]
    if decision.aggregation == "COUNT":
        return [{name: len(values)}]
    if not values:
        return []
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values) and decision.aggregation == "SUM":
        raise DecisionError(f"decision '{decision.id}': COLLECT SUM needs numbers, got {values!r}")
    combine: dict[str, Callable[[list[Any]], Any]] = {"SUM": sum, "MIN": min, "MAX": max}
    try:
        result = combine[decision.aggregation or "SUM"](values)
    except TypeError:
        raise DecisionError(f"decision '{decision.id}': COLLECT {decision.aggregation} cannot compare {values!r}") \
            from None
    return [{name: result}]


def _as_variables(rows: list[Row], decision: Decision) -> dict[str, Any]:
    """How a required decision's result is seen by the decision that requires it: its output values by
    name, a list of values where the hit policy gives several rows."""
    if decision.single_result:
        return dict(rows[0]) if rows else {o.name: None for o in decision.outputs}
    return {o.name: [row.get(o.name) for row in rows] for o in decision.outputs}


def map_result(rows: list[Row], mapping: str, decision: Decision) -> Any:
    """Camunda's camunda:mapDecisionResult."""
    if mapping == "resultList":
        return rows
    if mapping == "collectEntries":
        return [next(iter(row.values()), None) for row in rows]
    if len(rows) > 1:
        raise DecisionError(f"decision '{decision.id}' gave {len(rows)} results but camunda:mapDecisionResult "
                            f"is {mapping}")
    if mapping == "singleResult":
        return rows[0] if rows else None
    return next(iter(rows[0].values()), None) if rows else None  # singleEntry


class DecisionTask(BusinessRuleTask):
    """A business rule task that evaluates Dueflow's decision tables."""

    def __init__(self, wf_spec, name, evaluator: DecisionEvaluator, decision: Decision,
                 result_variable: str | None, mapping: str, **kwargs):
        super().__init__(wf_spec, name, evaluator, **kwargs)
        self.decision, self.result_variable, self.mapping = decision, result_variable, mapping

    def _run_hook(self, my_task):
        try:
            rows = self.dmnEngine.rows(my_task.workflow.script_engine.environment, my_task.data)
            if self.result_variable:
                my_task.data[self.result_variable] = map_result(rows, self.mapping, self.decision)
            elif self.decision.single_result:
                if not rows:
                    raise DecisionError(f"no rule of decision '{self.decision.id}' matches: "
                                        + _inputs_shown(self.decision, my_task.data))
                my_task.data.update(rows[0])
            else:  # several rows and no result variable: each output becomes the list of its values
                my_task.data.update(_as_variables(rows, self.decision))
        except DecisionError as exc:
            raise WorkflowTaskException(str(exc), task=my_task) from None
        return True


def _inputs_shown(decision: Decision, data: dict[str, Any]) -> str:
    names = [c.expression for c in decision.inputs if c.expression.isidentifier()]
    return ", ".join(f"{name}={data.get(name)!r}" for name in names) or "no input matched"


class DecisionTaskParser(CamundaTaskParser):
    """Reads camunda:decisionRef, camunda:resultVariable and camunda:mapDecisionResult."""

    @staticmethod
    def get_decision_ref(node) -> str | None:
        return node.get(f"{{{CAMUNDA_MODEL_NS}}}decisionRef")

    def create_task(self):
        decisions: dict[str, Decision] = self.process_parser.parser.decisions
        ref = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}decisionRef")
        if ref not in decisions:
            self.raise_validation_exception(f"decision '{ref}' is in no DMN file of this procedure")
        decision = decisions[ref]
        result_variable = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable") or None
        mapping = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}mapDecisionResult") or "resultList"
        if mapping not in MAPPINGS:
            self.raise_validation_exception(f"camunda:mapDecisionResult '{mapping}' is not one of "
                                            f"{', '.join(MAPPINGS)}")
        if result_variable is not None and not result_variable.isidentifier():
            self.raise_validation_exception(f"camunda:resultVariable '{result_variable}' is not a variable name")
        if mapping in ("singleEntry", "collectEntries") and len(decision.outputs) != 1:
            self.raise_validation_exception(f"camunda:mapDecisionResult {mapping} needs a decision with one "
                                            f"output, and '{ref}' has {len(decision.outputs)}")
        reported = (result_variable,) if result_variable else tuple(o.name for o in decision.outputs)
        evaluator = DecisionEvaluator(decisions, ref, reported)
        return DecisionTask(self.spec, self.bpmn_id, evaluator, decision, result_variable, mapping,
                            **self.bpmn_attributes)


class DueflowParser(ExternalTaskParser):
    """The CamundaParser of external tasks (engine.workflow.external), whose business rule tasks also evaluate
    the decisions engine.bpmn.decisions read and checked."""

    OVERRIDE_PARSER_CLASSES = {**ExternalTaskParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask)}

    def __init__(self, decisions: dict[str, Decision]):
        super().__init__()
        self.decisions = decisions

