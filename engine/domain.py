"""Enums, value objects and errors of Dueflow; imports nothing of ours so every layer can use it."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable


class Role(str, enum.Enum):
    ADMIN = "admin"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    LEGAL_REVIEWER = "legal_reviewer"
    DISPATCHER = "dispatcher"
    AUDITOR = "auditor"
    PARTY = "party"
    SYSTEM = "system"
    WORKER = "worker"  # a program that fetches and completes external tasks of its topics
    COORDINATOR = "coordinator"  # settles disputes between departments: assigns a case and may amend the list
    INSPECTOR = "inspector"  # patrols grid cells and reports findings


# Roles that may stand in a BPMN lane (a lane's name, snake_cased, must be one of them).
LANE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.DISPATCHER, Role.ADMIN})


class CaseStatus(str, enum.Enum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class TaskState(str, enum.Enum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Stage(str, enum.Enum):
    """The enforcement stages a BPMN element can be tagged with (extension property `stage`)."""

    FILING = "filing"
    INVESTIGATION = "investigation"
    DETERMINATION = "determination"
    EDUCATION = "education"
    ORDER_TO_CORRECT = "order_to_correct"
    REMEDY_PERIOD = "remedy_period"
    REINSPECTION = "reinspection"
    RIGHTS_NOTICE = "rights_notice"
    STATEMENT_PERIOD = "statement_period"
    HEARING = "hearing"
    LEGAL_REVIEW = "legal_review"
    PENALTY_DECISION = "penalty_decision"
    SERVICE = "service"
    PAYMENT = "payment"
    DEMAND = "demand"
    JUDICIAL_REFERRAL = "judicial_referral"
    CLOSURE = "closure"


class EventType(enum.StrEnum):
    """What an audit event records, subject + past tense; the value is the string stored in audit_event.event_type
    (and hashed), so a value never changes. audit.record refuses any type not listed here."""

    CASE_OPENED = "case_opened"
    CASE_CLOSED = "case_closed"
    CASE_CANCELLED = "case_cancelled"
    CASE_SUSPENDED = "case_suspended"
    CASE_RESUMED = "case_resumed"
    CASE_MIGRATED = "case_migrated"  # moved to another procedure version by an approved plan
    CASE_MIGRATION_REVERTED = "case_migration_reverted"  # moved back by the plan's revert, no step taken since
    DEPARTMENT_ASSIGNED = "department_assigned"
    TASK_COMPLETED = "task_completed"
    TASK_CANCELLED = "task_cancelled"  # withdrawn: its deadline passed and the timer path was taken
    TIMER_FIRED = "timer_fired"
    TIMER_FAILED = "timer_failed"
    MESSAGE_RECEIVED = "message_received"
    DECISION_EVALUATED = "decision_evaluated"
    DEADLINE_SET = "deadline_set"
    PATH_TAKEN = "path_taken"  # the engine moved through gateways and events with nobody acting
    RIGHTS_NOTICE_SERVED = "rights_notice_served"
    DOCUMENT_SERVED = "document_served"
    DOCUMENT_ISSUED = "document_issued"  # rendered from its template, numbered; its sha256 in the payload
    DOCUMENT_CORRECTED = "document_corrected"  # a new document replaces one (served ones never change)
    DOCUMENT_VIEWED = "document_viewed"  # the party downloaded a document served on them
    COURT_PACKAGE_ASSEMBLED = "court_package_assembled"  # CL 53-55: the application, its PDF and manifest
    EVIDENCE_ADDED = "evidence_added"
    CUSTODY_TRANSFERRED = "custody_transferred"  # custody passed from one holder to another
    EVIDENCE_VIEWED = "evidence_viewed"  # an evidence file (or a staff document) was opened: by staff or the party
    EVIDENCE_DISCLOSED = "evidence_disclosed"  # an evidence file was made visible to the party in the portal
    EVIDENCE_CITED = "evidence_cited"  # a decision lists the evidence it relies on
    CASE_EXPORTED = "case_exported"  # the whole case file was exported (every document viewed)
    STEP_REFUSED = "step_refused"  # a rights gate or the separation of duties said no
    STEP_FAILED = "step_failed"  # a step of a case with an open incident failed again
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_RESOLVED = "incident_resolved"
    # external tasks: service and send tasks done by a worker (docs/external-tasks.md)
    EXTERNAL_TASK_LOCKED = "external_task_locked"
    EXTERNAL_TASK_COMPLETED = "external_task_completed"
    EXTERNAL_TASK_FAILED = "external_task_failed"
    EXTERNAL_TASK_RELEASED = "external_task_released"  # its lock expired or was given back: fetchable again
    EXTERNAL_TASK_CANCELLED = "external_task_cancelled"  # withdrawn by a boundary event
    BPMN_ERROR_THROWN = "bpmn_error_thrown"
    # coordination: who holds a case between departments (docs/coordination.md)
    CASE_DISPATCHED = "case_dispatched"  # the dispatcher gave it to a department: its handling clock starts
    CASE_RETURNED = "case_returned"  # the department gave it back within the limit, citing the list
    CASE_DISPUTED = "case_disputed"  # a second return or an explicit dispute: the coordinator holds it
    COORDINATOR_ASSIGNED = "coordinator_assigned"  # the coordinator decided which department handles it
    # the system chain: events that belong to no case
    PROCEDURE_DEPLOYED = "procedure_deployed"
    MIGRATION_PLANNED = "migration_planned"  # a plan to move running cases to another version (docs/migration.md)
    MIGRATION_APPROVED = "migration_approved"  # the second pair of eyes approved it, with a reason
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    DEPARTMENT_ADDED = "department_added"
    RESPONSIBILITIES_PUBLISHED = "responsibilities_published"  # a new version of the responsibility list
    INSPECTION_RECORDED = "inspection_recorded"  # an inspector patrolled a grid cell (system chain)
    FINDING_RECORDED = "finding_recorded"  # the patrol found something; names the case it opened, if any


STAGE_PROPERTY = "stage"  # camunda:property name carrying the stage on a task, timer or decision
ENFORCEMENT_PROPERTY = "enforcement"  # process-level camunda:property marking an enforcement procedure
# process-level camunda:properties naming the variables that hold the amount served with the rights notice and
# the amount decided: the rights gate compares exactly these (PL 45), the lint refuses a penalty stage without
NOTIFIED_AMOUNT_PROPERTY = "notified_amount_field"
DECIDED_AMOUNT_PROPERTY = "decided_amount_field"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name, the role they act in, and their department (None for system actors)."""

    username: str
    role: Role
    department: str | None = None

    @classmethod
    def system(cls, name: str = "dueflow") -> "Actor":
        return cls(username=name, role=Role.SYSTEM, department=None)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a procedure: where it is and what a person should fix."""

    message: str
    file: str | None = None
    line: int | None = None
    element_id: str | None = None
    rule: str = "invalid"
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "element_id": self.element_id,
                "rule": self.rule, "message": self.message, "severity": self.severity}

    def __str__(self) -> str:
        where = f"{self.file or '?'}:{self.line or 0}"
        return f"{where}: {self.element_id or '-'}: {self.rule}: {self.message}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


Clock = Callable[[], datetime]


@dataclass
class FixedClock:
    """A clock tests move by hand, so deadlines pass without sleeping."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


# ---- errors -------------------------------------------------------------------------------------


class DueflowError(Exception):
    """Base of every error a user can cause; `code` is stable and maps to an HTTP status in api/."""

    code = "error"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFoundError(DueflowError):
    code = "not_found"


class CaseNotFoundError(NotFoundError):
    code = "case_not_found"


class TaskNotFoundError(NotFoundError):
    code = "task_not_found"


class ProcedureNotFoundError(NotFoundError):
    code = "procedure_not_found"


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"


class UserNotFoundError(NotFoundError):
    code = "user_not_found"


class ConflictError(DueflowError):
    code = "conflict"


class TaskNotReadyError(ConflictError):
    code = "task_not_ready"


class TaskAlreadyCompletedError(ConflictError):
    code = "task_already_completed"


class StaleCaseError(ConflictError):
    code = "stale_case_version"


class CaseNotOpenError(ConflictError):
    code = "case_not_open"


class MessageNotExpectedError(ConflictError):
    code = "message_not_expected"


class CourtPackageIncompleteError(ConflictError):
    """The record lacks an item of the application for compulsory enforcement, or the CL 53 periods have not
    run; `details` names each missing item."""

    code = "court_package_incomplete"


class ExternalTaskNotFoundError(NotFoundError):
    code = "external_task_not_found"


class ExternalTaskLockError(ConflictError):
    """The worker does not hold the task's lock (never fetched it, or the lock expired and another took it)."""

    code = "external_task_not_locked"


class ForbiddenError(DueflowError):
    code = "forbidden"


class FourEyesError(ForbiddenError):
    """A migration plan is approved by someone other than its proposer (docs/migration.md)."""

    code = "four_eyes"


class MigrationNotFoundError(NotFoundError):
    code = "migration_not_found"


class MigrationStateError(ConflictError):
    """The plan is not in the state the act needs (run before approval, revert before run ...)."""

    code = "migration_state"


class RightsGateError(ConflictError):
    """The engine refuses a step that would skip a right of the party (DOMAIN.md), whatever the BPMN says."""

    code = "rights_gate"


class SeparationOfDutiesError(ForbiddenError):
    """The person who investigated may not host the hearing or do the legal review (PL 43, 58, 64)."""

    code = "separation_of_duties"


class InvalidCredentialsError(DueflowError):
    """Wrong user name or password; deliberately never says which."""

    code = "invalid_credentials"


class InvalidAccessCodeError(DueflowError):
    """Wrong case number or access code; deliberately never says which, so case numbers do not leak."""

    code = "invalid_access_code"


class TooManyAttemptsError(DueflowError):
    """Too many failed attempts for a key: wait `retry_after` seconds before trying again."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, [{"retry_after": retry_after}])
        self.retry_after = retry_after


class PayloadTooLargeError(DueflowError):
    code = "payload_too_large"


class InvalidDataError(DueflowError):
    code = "invalid_form_data"

    @classmethod
    def for_fields(cls, errors: dict[str, str]) -> "InvalidDataError":
        names = ", ".join(sorted(errors))
        return cls(f"invalid form data: {names}",
                   [{"field": name, "message": msg} for name, msg in sorted(errors.items())])


class ProcedureInvalidError(DueflowError):
    code = "invalid_procedure"

    def __init__(self, problems: list[Problem]):
        first = problems[0] if problems else None
        summary = f"{len(problems)} problem(s) in the procedure" + (f"; first: {first}" if first else "")
        super().__init__(summary, [p.as_dict() for p in problems])
        self.problems = problems


class UnsafeExpressionError(DueflowError):
    """An expression broke the safety rules of the script environment at run time."""

    code = "unsafe_expression"


class WorkflowError(DueflowError):
    """The procedure itself failed while running (a script or DMN cell raised)."""

    code = "workflow_error"


class BudgetExceededError(WorkflowError):
    """A step's procedure code ran past its CPU, memory or wall-clock budget; nothing of the step is kept."""

    code = "budget_exceeded"


class SandboxError(WorkflowError):
    """The sandbox process that runs procedure code broke (not the procedure's fault, nor the party's)."""

    code = "sandbox_failed"


class ExternalTaskFailedError(WorkflowError):
    """A worker reported a failure with no retries left: an incident waits for an admin."""

    code = "external_task_failed"
