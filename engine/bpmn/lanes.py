"""Who does a task: lanes keep the names they are drawn with; a role (and a department) comes from the task's
candidate groups or users, from the lane-to-role mapping given with the deploy, from a lane named like a role,
or else the default role with a warning (an error in an enforcement procedure)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from engine.bpmn.model import SourceModel
from engine.bpmn.xml import NS, camunda
from engine.domain import ENFORCEMENT_PROPERTY, LANE_ROLES, STAGE_PROPERTY, Problem, Role

LANES_FILE = "dueflow-lanes.json"  # the deploy's mapping, stored among the version's sources
DEFAULT_ROLE = Role.OFFICER.value
_ROLES = frozenset(r.value for r in LANE_ROLES)


@dataclass(frozen=True)
class Assignment:
    role: str
    department: str | None = None


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def read_mapping(data: bytes) -> tuple[dict[str, Assignment], list[Problem]]:
    """The deploy's mapping: {"Boss": "supervisor"} or {"Water": {"role": "officer", "department": "water"}}."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return {}, [Problem(message=f"the lane mapping is not JSON: {exc}", file=LANES_FILE, rule="LANE_ROLE")]
    if not isinstance(raw, dict):
        return {}, [Problem(message='the lane mapping must be an object like {"Boss": "supervisor"}',
                            file=LANES_FILE, rule="LANE_ROLE")]
    mapping, problems = {}, []
    for lane, target in raw.items():
        role, department = (target.get("role"), target.get("department")) if isinstance(target, dict) \
            else (target, None)
        if not isinstance(role, str) or role not in _ROLES or not isinstance(department, (str, type(None))):
            problems.append(Problem(message=f"lane '{lane}' is mapped to {json.dumps(target)}, which names no role; "
                                            f"map it to one of: {', '.join(sorted(_ROLES))}",
                                    file=LANES_FILE, rule="LANE_ROLE"))
            continue
        mapping[str(lane)] = Assignment(role, department or None)
    return mapping, problems


def mapping_file(lanes: Mapping[str, Any] | str) -> bytes:
    """The mapping as it is stored with a version (sorted, so equal mappings give equal versions); text that
    is not JSON is kept as given, and the parse reports it."""
    value: Any = lanes
    if isinstance(lanes, str):
        try:
            value = json.loads(lanes)
        except ValueError:
            return lanes.encode("utf-8")
    return json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _named(name: str | None, mapping: dict[str, Assignment]) -> Assignment | None:
    if not name:
        return None
    if name in mapping:
        return mapping[name]
    return Assignment(_snake(name)) if _snake(name) in _ROLES else None


def is_enforcement(process: Any) -> bool:
    """Marked enforcement=true, or any element tagged with a stage (the lint's definition)."""
    marked = process.xpath(f"./bpmn:extensionElements/*/*[@name='{ENFORCEMENT_PROPERTY}']/@value", namespaces=NS)
    tagged = process.xpath(f".//bpmn:extensionElements/*/*[@name='{STAGE_PROPERTY}']", namespaces=NS)
    return any(v.strip().lower() in ("true", "yes", "1") for v in marked) or bool(tagged)


def lane_assignments(model: SourceModel, file: str, process: Any,
                     mapping: dict[str, Assignment]) -> dict[str, tuple[str, Assignment]]:
    """Flow node id -> (lane name, assignment) for every lane of a process; a lane that maps to no role is an
    error in an enforcement procedure and a warning (and the default role) in a plain workflow."""
    enforcement = is_enforcement(process)
    placed: dict[str, tuple[str, Assignment]] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        name = lane.get("name") or ""
        found = _named(name, mapping) or _named(lane.get("id"), mapping)
        if found is None:
            shown = f"lane '{name}'" if name else "an unnamed lane"
            if enforcement:
                model.problem(f"{shown} names no role; name it one of: {', '.join(sorted(_ROLES))}, or map it "
                              "with the deploy's lane mapping", file, lane, rule="LANE_ROLE")
            else:
                model.problem(f"{shown} names no role: its tasks go to the {DEFAULT_ROLE} role; map it with the "
                              "deploy's lane mapping (or camunda:candidateGroups on its tasks) to choose another",
                              file, lane, rule="LANE_ROLE", severity="warning")
            found = Assignment(DEFAULT_ROLE)
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            placed[(ref.text or "").strip()] = (name or lane.get("id") or "", found)
    return placed


def task_assignment(model: SourceModel, file: str, node: Any, mapping: dict[str, Assignment]) -> Assignment | None:
    """The role a task's camunda:candidateGroups (or candidateUsers) name, if any names one."""
    given = [g.strip() for attribute in ("candidateGroups", "candidateUsers")
             for g in (camunda(node, attribute) or "").split(",") if g.strip()]
    for group in given:
        found = _named(group, mapping)
        if found is not None:
            return found
    if given and not any(g.startswith("${") for g in given):
        model.problem(f"candidate groups/users {', '.join(given)} name no role: the task goes to its lane's role; "
                      "map one of them with the deploy's lane mapping", file, node, rule="LANE_ROLE",
                      severity="warning")
    return None
