"""The database records of Dueflow (SQLAlchemy 2 Mapped[] classes); every case-scoped table carries case_id."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from engine.domain import utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value

    def process_result_value(self, value, dialect):
        from datetime import timezone

        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class DepartmentRecord(Base):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class UserRecord(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(ForeignKey("department.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    topics: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)  # a worker's external-task topics
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcedureVersionRecord(Base):
    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> text, stored once per version
    lint: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _trigram(name: str, column: str) -> Index:
    """A trigram index for `LIKE '%fragment%'` on PostgreSQL (pg_trgm); SQLite has none and scans."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
                 info={"only_on": "postgresql"}).ddl_if(dialect="postgresql")


class CaseRecord(Base):
    __tablename__ = "enforcement_case"
    # case search: a filter's matches newest first straight from an index (the id orders them), and fragments
    __table_args__ = (Index("ix_case_department_status_id", "department", "status", "id"),
                      Index("ix_case_stage_id", "stage", "id"), Index("ix_case_grid_id", "grid_cell", "id"),
                      # the assessment's cases opened or closed in a period, by department, from the index alone
                      Index("ix_case_opened_cover", "opened_at", "department", "status", "outcome"),
                      Index("ix_case_closed_cover", "closed_at", "department", "status", "outcome", "id"),
                      # ... and the group columns of a case its events name, without reading the (wide) case row
                      Index("ix_case_group_cover", "id", "department", "grid_cell", "opened_by", "opened_at"),
                      _trigram("ix_case_no_trgm", "case_no"), _trigram("ix_case_party_trgm", "party_name"),
                      _trigram("ix_case_address_trgm", "address"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only inside open_case's transaction (the number needs the row's id): every committed case has one
    case_no: Mapped[str] = mapped_column(String(32), unique=True, nullable=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    category: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    party_name: Mapped[str] = mapped_column(String(300), default="")
    party_type: Mapped[str] = mapped_column(String(32), default="person")
    party_contact: Mapped[str] = mapped_column(String(300), default="")
    party_id_masked: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    grid_cell: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)  # the point, as the grid's GeoJSON reads it
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    opened_by: Mapped[str] = mapped_column(String(100), default="")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    suspended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_due_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    deadlines: Mapped[list[Any]] = mapped_column(JSON, default=list)  # waiting timers: element, stage, due_at
    workflow_state: Mapped[str] = mapped_column(Text, default="")
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}


class TaskRecord(Base):
    """User tasks of every case, materialised for worklists; READY ones are the work to do."""

    __tablename__ = "task"
    # the worklist walks READY tasks of a department and lane in deadline order (partial: done tasks pile up)
    __table_args__ = (Index("ix_task_worklist", "state", "department", "role"),
                      Index("ix_task_ready_queue", "department", "role", "due_at", "created_at", "id",
                            postgresql_where=text("state = 'ready'"), sqlite_where=text("state = 'ready'")),
                      Index("ix_task_ready_due", "due_at", "created_at", "id",
                            postgresql_where=text("state = 'ready'"), sqlite_where=text("state = 'ready'")))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    department: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="ready")
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class AuditEventRecord(Base):
    """One link of a hash chain; case_id 0 is the system chain. Insert-only (triggers refuse the rest)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_audit_event_case_seq"),
                      # the assessment's scans of a period's events, read from the index alone
                      Index("ix_audit_event_type_at", "event_type", "occurred_at", "case_id", "element_id"),
                      # a case's events of a type, read from the index alone (the assessment's per-case checks)
                      Index("ix_audit_event_case_type", "case_id", "event_type", "element_id", "occurred_at", "seq"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    procedure_version: Mapped[str | None] = mapped_column(String(220), nullable=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(64), default="")  # HMAC-SHA256 of hash, keyed outside the database


class AuditCheckpointRecord(Base):
    """A signed Merkle root over every chain's head, so that deleting or rewriting a chain is detectable."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    chains: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    heads: Mapped[dict[str, Any]] = mapped_column(JSON)  # case_id -> [seq, hash]
    root: Mapped[str] = mapped_column(String(64))  # RFC 9162 Merkle tree hash over the heads
    key_id: Mapped[str] = mapped_column(String(16), default="")  # which Ed25519 key signed it
    signature: Mapped[str] = mapped_column(String(128), default="")  # Ed25519, hex
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class PartyAccessRecord(Base):
    __tablename__ = "party_access"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentRecord(Base):
    """Evidence, notices served and statements: stored bytes with their sha256."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # evidence | notice | decision | statement
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    visible_to_party: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # issued documents (engine/documents): number, template and language; a correction names what it replaces
    number: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    template: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lang: Mapped[str | None] = mapped_column(String(16), nullable=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), nullable=True)
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    served_at: Mapped[datetime | None] = mapped_column(nullable=True)  # once set, the document never changes
    service: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # method, recipient, proof...


class DocumentCounterRecord(Base):
    """The last number an agency gave a kind of document in a year: taken under a row lock in the transaction
    that stores the document, so a rolled-back issue gives its number back and no number is skipped or reused."""

    __tablename__ = "document_counter"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class GridCellRecord(Base):
    """A cell of the urban-management grid: its polygon (GeoJSON geometry, lon/lat), the community and street
    it belongs to, and its bounding box so that placing a point reads only the candidate cells."""

    __tablename__ = "grid_cell"
    __table_args__ = (Index("ix_grid_cell_bbox", "min_x", "max_x", "min_y", "max_y"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str | None] = mapped_column(ForeignKey("department.code"), nullable=True)
    community: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="", index=True)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    min_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_y: Mapped[float | None] = mapped_column(Float, nullable=True)


class InspectionRecord(Base):
    """An inspector's patrol of a grid cell: when, what was found, photo references, and the case a finding
    opened (if any)."""

    __tablename__ = "inspection"
    __table_args__ = (Index("ix_inspection_cell_at", "cell", "inspected_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell: Mapped[str] = mapped_column(ForeignKey("grid_cell.code"))
    inspector: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    inspected_at: Mapped[datetime] = mapped_column()
    findings: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"), nullable=True)


class IncidentRecord(Base):
    """A step that could not run (script error, over budget, no DMN match, sandbox failure): the case kept its
    last good state; an admin retries or resolves it. Case-scoped, keyed by case_id like every case table."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(64))  # the error's stable code: budget_exceeded, workflow_error ...
    message: Mapped[str] = mapped_column(Text)
    element_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[dict[str, Any]] = mapped_column(JSON)  # what to run again: kind, task/message, data, actor
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


class ExternalTaskRecord(Base):
    """A READY service or send task waiting for a worker, materialised like a user task row and written in the
    same transaction as the case step; a worker locks it for a while (lock_owner, lock_expires_at)."""

    __tablename__ = "external_task"
    __table_args__ = (Index("ix_external_task_fetch", "state", "topic", "lock_expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task id
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    topic: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="ready")  # ready | completed | cancelled
    lock_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the worker id holding it
    lock_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)  # also the end of a retry timeout
    retries: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None until a failure reports some
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class EvidenceCustodyRecord(Base):
    """Who collected a piece of evidence, where and when, who holds it now, and where its bytes are (in the
    document row, or a file under the evidence folder named by its sha256). Each handover, view and export is
    an audit event naming the document, so the chain of custody is as tamper-evident as the audit trail."""

    __tablename__ = "evidence_custody"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")  # what it is: a photo of ..., a seized scale
    collected_by: Mapped[str] = mapped_column(String(100))
    collected_at: Mapped[datetime] = mapped_column()
    collected_where: Mapped[str] = mapped_column(String(300), default="")
    holder: Mapped[str] = mapped_column(String(100))  # the custodian now
    storage: Mapped[str] = mapped_column(String(16), default="database")  # database | file
    storage_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # under the evidence folder


class DecisionEvidenceRecord(Base):
    """A decision's reliance on a piece of evidence: which decision task cited which document, by whom."""

    __tablename__ = "decision_evidence"
    __table_args__ = (UniqueConstraint("task_id", "document_id", name="uq_decision_evidence_task_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    cited_by: Mapped[str] = mapped_column(String(100))
    cited_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResponsibilityRecord(Base):
    """One line of the responsibility list (权责清单): which department handles a category of violation in an
    area, on which legal basis. Versioned: publishing writes a whole new version; old ones stay readable."""

    __tablename__ = "responsibility"
    __table_args__ = (Index("ix_responsibility_lookup", "version", "category", "area"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    department: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))  # a grid cell or district code, or "*" for everywhere
    legal_basis: Mapped[str] = mapped_column(Text)
    return_days: Mapped[int] = mapped_column(Integer, default=1)  # working days the department has to return it
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(100))


class CoordinationRecord(Base):
    """Who holds a case between departments right now: the dispatcher (no row yet, or after a return), a
    department (after dispatch or assignment) or the coordinator (after a dispute). The hops are audit events."""

    __tablename__ = "coordination"

    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(16), index=True)  # dispatcher | department | coordinator
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the holder, when a department
    since: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column(nullable=True)  # the handling clock's start
    return_due_at: Mapped[datetime | None] = mapped_column(nullable=True)  # None: the case may not be returned
    assign_due_at: Mapped[datetime | None] = mapped_column(nullable=True)  # the coordinator's limit
    returns: Mapped[int] = mapped_column(Integer, default=0)
    hops: Mapped[int] = mapped_column(Integer, default=0)


class MigrationPlanRecord(Base):
    """A plan to move running cases from one procedure version to another (docs/migration.md): proposed by
    one admin, approved by another admin or a legal reviewer with a reason, then run and perhaps reverted."""

    __tablename__ = "migration_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_key: Mapped[str] = mapped_column(String(200), index=True)
    source_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    target_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    case_filter: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"all": true} | {"cases": [...]} | stage | department
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)  # old element id -> new; absent: same id
    due_changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # timer element -> {"due_at", "reason"}
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # proposed | approved | run | reverted
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    approval_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    run_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reverted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reverted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class MigrationCaseRecord(Base):
    """One case of a migration plan: the preview, then whether it moved, and what a revert needs."""

    __tablename__ = "migration_case"
    __table_args__ = (UniqueConstraint("plan_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("migration_plan.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # movable | refused | moved | failed | reverted
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # why it cannot move (or failed)
    preview: Mapped[dict[str, Any]] = mapped_column(JSON)  # positions, ready tasks, timers, deadlines before/after
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id"), nullable=True)
    previous_state: Mapped[str | None] = mapped_column(Text, nullable=True)  # the workflow before the move
    audit_seq_after: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a step since: no revert
