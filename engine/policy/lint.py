"""Lint a procedure's files against a policy, and list the stages and timers it publishes."""
from __future__ import annotations

from typing import Any, Mapping

from engine.bpmn import ProcessGraph, read_xml
from engine.domain import Problem, Stage
from engine.policy.config import Policy, load_policy
from engine.policy.periods import parse_timer
from engine.policy.rules import check_process

_DEFAULT: list[Policy] = []  # the default policy, read once per process


def _default_policy() -> Policy:
    if not _DEFAULT:
        _DEFAULT.append(load_policy())
    return _DEFAULT[0]


def _parse(files: Mapping[str, bytes]) -> tuple[list[ProcessGraph], list[Problem]]:
    """The process graphs of the files, read by engine.bpmn; only malformed XML is the lint's own problem."""
    model = read_xml(files)
    return model.graphs, [p for p in model.problems if p.rule == "XML_SYNTAX"]


def lint_procedure(files: Mapping[str, bytes], policy: Policy | None = None, *,
                   graphs: list[ProcessGraph] | None = None) -> list[Problem]:
    """Every due-process problem in a procedure's BPMN files (name -> bytes), sorted by file and line; a deploy
    passes the graphs of its one parse, so the files are not read again."""
    policy = policy or _default_policy()
    if graphs is None:
        graphs, problems = _parse(files)
    else:
        problems = []
    syntax = policy.rule("XML_SYNTAX").severity
    problems = [Problem(**{**p.as_dict(), "severity": syntax}) for p in problems if syntax != "off"]
    for graph in graphs:
        for finding in check_process(graph, policy):
            setting = policy.rule(finding.rule)
            if setting.severity == "off":
                continue
            message = f"{setting.message}: {finding.detail}" if finding.detail else setting.message
            problems.append(Problem(message=message, file=finding.file, line=finding.line,
                                    element_id=finding.element_id, rule=finding.rule, severity=setting.severity))
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.rule, p.element_id or ""))


def procedure_stages(files: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    """Per process: whether it is an enforcement procedure, its stages in legal order, and its timers."""
    order = {stage.value: index for index, stage in enumerate(Stage)}
    graphs, _ = _parse(files)
    published = {}
    for graph in graphs:
        present = {node.stage for node in graph.nodes.values() if node.stage in order}
        timers = []
        for node in sorted(graph.nodes.values(), key=lambda n: n.line or 0):
            if node.timer is not None:
                period = parse_timer(*node.timer)
                timers.append({"element_id": node.id, "name": node.name, "stage": node.stage,
                               "kind": node.timer[0], "expression": node.timer[1],
                               "period": str(period) if period else None})
        published[graph.id] = {"name": graph.name or graph.id, "enforcement": graph.enforcement,
                               "categories": graph.categories,
                               "stages": sorted(present, key=order.__getitem__), "timers": timers}
    return published
