"""What use cases return: plain dataclasses, safe to hand to HTTP, templates and tests."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.store import CaseRecord, TaskRecord


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class TaskView:
    id: str
    case_id: int
    case_no: str | None
    element_id: str
    name: str
    role: str | None
    stage: str | None
    department: str
    state: str
    created_at: str | None
    due_at: str | None
    party_name: str = ""
    form: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # locale -> the task's name in that language
    documents: list[str] = field(default_factory=list)  # the document kinds completing the task issues

    @classmethod
    def of(cls, task: TaskRecord, case: CaseRecord, form: list[dict[str, Any]] | None = None,
           names: dict[str, str] | None = None, documents: list[str] | None = None) -> "TaskView":
        return cls(id=task.id, case_id=task.case_id, case_no=case.case_no, element_id=task.element_id,
                   name=task.name, role=task.role, stage=task.stage, department=task.department,
                   state=task.state, created_at=_iso(task.created_at), due_at=_iso(task.due_at),
                   party_name=case.party_name, form=form or [], names=dict(names or {}),
                   documents=list(documents or []))

    @classmethod
    def listed(cls, row: Any, names: dict[str, str] | None = None,
               documents: list[str] | None = None) -> "TaskView":
        """A worklist line, from the columns the worklist query selects (task, case number, party)."""
        return cls(id=row.id, case_id=row.case_id, case_no=row.case_no, element_id=row.element_id, name=row.name,
                   role=row.role, stage=row.stage, department=row.department, state=row.state,
                   created_at=_iso(row.created_at), due_at=_iso(row.due_at), party_name=row.party_name,
                   names=dict(names or {}), documents=list(documents or []))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)  # shallow: asdict's deep copy cost more than the JSON encoding after it


@dataclass
class CaseView:
    id: int
    case_no: str | None
    procedure: str
    procedure_version: int
    status: str
    stage: str | None
    outcome: str | None
    category: str | None
    department: str
    party: dict[str, Any]
    location: dict[str, Any]
    opened_at: str | None
    closed_at: str | None
    next_due_at: str | None
    deadlines: list[dict[str, Any]]
    ready_tasks: list[TaskView]
    row_version: int
    data: dict[str, Any] | None = None
    access_code: str | None = None  # shown once, when the case is opened
    external_tasks: list[dict[str, Any]] = field(default_factory=list)  # service/send tasks waiting for a worker
    waiting_messages: list[str] = field(default_factory=list)  # BPMN messages the case accepts now

    @classmethod
    def of(cls, case: CaseRecord, procedure_label: str, tasks: list[TaskView],
           data: dict[str, Any] | None = None, waiting_messages: list[str] | None = None) -> "CaseView":
        key, _, version = procedure_label.rpartition(":")
        return cls(id=case.id, case_no=case.case_no, procedure=key, procedure_version=int(version),
                   status=case.status, stage=case.stage, outcome=case.outcome, category=case.category,
                   department=case.department,
                   party={"name": case.party_name, "type": case.party_type, "contact": case.party_contact,
                          "id_number": case.party_id_masked},
                   location=location_of(case), opened_at=_iso(case.opened_at), closed_at=_iso(case.closed_at),
                   next_due_at=_iso(case.next_due_at), deadlines=list(case.deadlines or []),
                   ready_tasks=tasks, row_version=case.row_version, data=data,
                   waiting_messages=list(waiting_messages or []))

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ready_tasks": [task.as_dict() for task in self.ready_tasks]}


def location_of(case: CaseRecord) -> dict[str, Any]:
    """Address and grid cell, with the point (lon, lat) when the case has one."""
    location: dict[str, Any] = {"address": case.address, "grid_cell": case.grid_cell}
    if case.lon is not None and case.lat is not None:
        location.update(lon=case.lon, lat=case.lat)
    return location


@dataclass
class DeployResult:
    key: str
    version: int
    sha256: str
    created: bool
    lint: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProcedureView:
    key: str
    version: int
    name: str
    sha256: str
    status: str
    deployed_by: str
    deployed_at: str | None
    files: list[str]
    lint: list[dict[str, Any]]
    names: dict[str, str] = field(default_factory=dict)  # locale -> the procedure's name in it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
