"""Every query the services run, named for what it answers; services never build SQL themselves."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator, Sequence, cast

from sqlalchemy import Table, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session, defer

from engine.domain import StaleCaseError
from engine.store import deadlines, fastpath

from engine.store.records import (AuditCheckpointRecord, AuditEventRecord, CaseRecord, DecisionEvidenceRecord,
                                  DocumentRecord, EvidenceCustodyRecord,
                                  PartyAccessRecord, ProcedureVersionRecord, TaskRecord, UserRecord)


# ---- procedures ----
def procedure_by_sha256(session: Session, sha256: str) -> ProcedureVersionRecord | None:
    return session.scalars(select(ProcedureVersionRecord).where(ProcedureVersionRecord.sha256 == sha256)
                           .order_by(ProcedureVersionRecord.id).limit(1)).first()


def latest_procedure(session: Session, key: str, *, active_only: bool = True) -> ProcedureVersionRecord | None:
    query = select(ProcedureVersionRecord).where(ProcedureVersionRecord.key == key)
    if active_only:
        query = query.where(ProcedureVersionRecord.status == "active")
    return session.scalars(query.order_by(ProcedureVersionRecord.version.desc()).limit(1)).first()


def procedure_version_by_id(session: Session, version_id: int) -> ProcedureVersionRecord | None:
    return session.get(ProcedureVersionRecord, version_id)


def procedure_version(session: Session, key: str, version: int) -> ProcedureVersionRecord | None:
    return session.scalars(select(ProcedureVersionRecord).where(
        ProcedureVersionRecord.key == key, ProcedureVersionRecord.version == version)).first()


def next_procedure_version(session: Session, key: str) -> int:
    return (session.scalar(select(func.max(ProcedureVersionRecord.version))
                           .where(ProcedureVersionRecord.key == key)) or 0) + 1


def all_procedures(session: Session) -> Sequence[ProcedureVersionRecord]:
    return session.scalars(select(ProcedureVersionRecord).order_by(ProcedureVersionRecord.key,
                                                                  ProcedureVersionRecord.version)).all()


def case_counts_by_version(session: Session) -> dict[int, dict[str, int]]:
    """procedure_version id -> {case status: number of cases}, for the procedures page."""
    rows = session.execute(select(CaseRecord.procedure_version_id, CaseRecord.status, func.count())
                           .group_by(CaseRecord.procedure_version_id, CaseRecord.status))
    counts: dict[int, dict[str, int]] = {}
    for version_id, status, number in rows:
        counts.setdefault(version_id, {})[status] = number
    return counts


# ---- cases and tasks ----
# A step reads its case as a plain, session-free CaseRecord and writes it back with one versioned UPDATE;
# the statements of a step run on the driver's cursor (engine/store/fastpath.py says why).
_CASE, _TASK = cast(Table, CaseRecord.__table__), cast(Table, TaskRecord.__table__)  # declared tables, not bare FromClauses
_CASE_COLUMNS = [c.key for c in _CASE.columns]


def _case_of(values) -> CaseRecord:
    return CaseRecord(**{name: values[name] for name in _CASE_COLUMNS})


def case(session: Session, case_id: int, *, lock: bool = False) -> CaseRecord | None:
    """The case as a plain record (not tracked by the session); write it back with save_case()."""
    return fastpath.case(session, case_id, lock=lock)


def task_with_case(session: Session, task_id: str, *, lock: bool = False) -> tuple[TaskRecord, CaseRecord] | None:
    """A task and its case in one round trip; with `lock` the case row is held until the transaction ends."""
    return fastpath.task_with_case(session, task_id, lock=lock)


def insert_case(session: Session, record: CaseRecord) -> int:
    values = {c: getattr(record, c) for c in _CASE_COLUMNS if c != "id" and getattr(record, c) is not None}
    key = session.connection().execute(insert(_CASE).values(**values)).inserted_primary_key
    assert key is not None  # an INSERT of one row always has its primary key
    record.id = key[0]
    deadlines.notify_sql(session, record)
    return record.id


def write_step(session: Session, record: CaseRecord, *, new_tasks: list[TaskRecord],
               finished: list[tuple[str, datetime, str, list[str]]], events: list[AuditEventRecord]) -> None:
    """A step's writes in one go: new task rows, closed task rows, audit events, the case row (versioned)."""
    if not fastpath.write_step(session, record, new_tasks=new_tasks, finished=finished, events=events):
        raise StaleCaseError(f"case {record.case_no} was changed by someone else; reload and try again")
    record.row_version += 1


def save_case(session: Session, record: CaseRecord) -> None:
    """Write a case's changing columns, if nobody changed it since it was read (row_version)."""
    if not fastpath.update_case(session, record):
        raise StaleCaseError(f"case {record.case_no} was changed by someone else; reload and try again")
    record.row_version += 1


def set_case_no(session: Session, case_id: int, case_no: str) -> None:
    session.connection().execute(update(_CASE).where(_CASE.c.id == case_id).values(case_no=case_no))


def insert_audit_events(session: Session, events: list[AuditEventRecord]) -> None:
    fastpath.insert_audit_events(session, events)


def case_by_no(session: Session, case_no: str) -> CaseRecord | None:
    row = session.connection().execute(select(_CASE).where(_CASE.c.case_no == case_no)).mappings().first()
    return _case_of(row) if row else None


def task(session: Session, task_id: str) -> TaskRecord | None:
    return session.get(TaskRecord, task_id)


def tasks_by_id(session: Session, task_ids: Iterable[str]) -> list[TaskRecord]:
    ids = list(task_ids)
    if not ids:
        return []
    rows = session.connection().execute(select(_TASK).where(_TASK.c.id.in_(ids))).mappings().all()
    return [TaskRecord(**dict(row)) for row in rows]


def ready_tasks_of_case(session: Session, case_id: int) -> list[TaskRecord]:
    rows = session.connection().execute(select(_TASK).where(_TASK.c.case_id == case_id, _TASK.c.state == "ready")
                                        .order_by(_TASK.c.created_at, _TASK.c.id)).mappings().all()
    return [TaskRecord(**dict(row)) for row in rows]


def department_has_task(session: Session, case_id: int, department: str) -> bool:
    query = select(_TASK.c.id).where(_TASK.c.case_id == case_id, _TASK.c.department == department).limit(1)
    return session.connection().execute(query).first() is not None


from engine.store.lists import find_cases, worklist  # noqa: E402,F401  (the list reads)


def due_case_ids(session: Session, now: datetime, *, limit: int, claim: bool) -> list[int]:
    """Ids of open cases whose earliest timer is due; with `claim` (PostgreSQL) rows are locked, skipping
    rows another worker holds, so several workers never fire one case twice."""
    query = (select(CaseRecord.id).where(CaseRecord.next_due_at <= now, CaseRecord.status == "open")
             .order_by(CaseRecord.next_due_at).limit(limit))
    if claim:
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def upcoming_timers(session: Session, *, limit: int) -> list[tuple[int, datetime]]:
    """(case id, next_due_at) of the open cases whose timers fall due first, earliest first: the due ones to
    fire, and after them when to look next, in one indexed read."""
    query = (select(CaseRecord.id, CaseRecord.next_due_at)
             .where(CaseRecord.next_due_at.is_not(None), CaseRecord.status == "open")
             .order_by(CaseRecord.next_due_at).limit(limit))
    return [(row[0], row[1]) for row in session.execute(query) if row[1] is not None]


def claim_due_case(session: Session, case_id: int, now: datetime) -> CaseRecord | None:
    """The case locked for firing its timers, if still open and due at `now` and no other worker holds it."""
    return fastpath.claim_due_case(session, case_id, now)


def postpone_timers(session: Session, case_id: int, until: datetime) -> None:
    """Move a case's next timer run to `until`, touching nothing else (for a case that cannot be loaded)."""
    session.execute(update(CaseRecord).where(CaseRecord.id == case_id).values(next_due_at=until))


def earliest_due(session: Session) -> datetime | None:
    """When the next timer of an open case falls due (the indexed next_due_at), None when none waits."""
    return session.scalars(select(CaseRecord.next_due_at).where(CaseRecord.next_due_at.is_not(None),
                                                                CaseRecord.status == "open")
                           .order_by(CaseRecord.next_due_at).limit(1)).first()


# ---- audit ----
def last_audit_event(session: Session, case_id: int) -> AuditEventRecord | None:
    return session.scalars(select(AuditEventRecord).where(AuditEventRecord.case_id == case_id)
                           .order_by(AuditEventRecord.seq.desc()).limit(1)).first()


def audit_events(session: Session, case_id: int) -> Sequence[AuditEventRecord]:
    return session.scalars(select(AuditEventRecord).where(AuditEventRecord.case_id == case_id)
                           .order_by(AuditEventRecord.seq, AuditEventRecord.id)).all()


def iter_audit_events(session: Session, *, case_id: int | None = None,
                      batch: int = 5000) -> Iterator[AuditEventRecord]:
    """Every event ordered by chain and position, streamed in batches so verifying a large log stays small."""
    query = select(AuditEventRecord).order_by(AuditEventRecord.case_id, AuditEventRecord.seq, AuditEventRecord.id)
    if case_id is not None:
        query = query.where(AuditEventRecord.case_id == case_id)
    yield from session.scalars(query.execution_options(yield_per=batch))


def case_heads(session: Session, case_id: int | None = None) -> dict[int, tuple[int, str, str | None]]:
    """case id -> (audit_seq, audit_head, case_no) as recorded on the case rows."""
    query = select(CaseRecord.id, CaseRecord.audit_seq, CaseRecord.audit_head, CaseRecord.case_no)
    if case_id is not None:
        query = query.where(CaseRecord.id == case_id)
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(query)}


def latest_checkpoint(session: Session) -> AuditCheckpointRecord | None:
    return session.scalars(select(AuditCheckpointRecord).options(defer(AuditCheckpointRecord.heads))
                           .order_by(AuditCheckpointRecord.id.desc()).limit(1)).first()


def checkpoints_newest_first(session: Session) -> Sequence[AuditCheckpointRecord]:
    """Every checkpoint, newest first; the heads are read only for the rows that are asked for them."""
    return session.scalars(select(AuditCheckpointRecord).options(defer(AuditCheckpointRecord.heads))
                           .order_by(AuditCheckpointRecord.id.desc())).all()


def checkpoints_after(session: Session, checkpoint_id: int) -> Sequence[AuditCheckpointRecord]:
    """The checkpoints newer than `checkpoint_id`, oldest first, with the heads each one changed."""
    return session.scalars(select(AuditCheckpointRecord).where(AuditCheckpointRecord.id > checkpoint_id)
                           .order_by(AuditCheckpointRecord.id)).all()


def event_hashes_at(session: Session, positions: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(chain, seq) -> the hash of the event stored there, for the positions given (read in chunks)."""
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start:start + 500]
        rows = session.execute(select(AuditEventRecord.case_id, AuditEventRecord.seq, AuditEventRecord.hash)
                               .where(tuple_(AuditEventRecord.case_id, AuditEventRecord.seq).in_(chunk)))
        found.update({(row[0], row[1]): row[2] for row in rows})
    return found


def max_audit_event_id(session: Session) -> int:
    """The id of the newest audit row (0 for an empty log): a checkpoint is due only when it moved."""
    return session.scalar(select(func.max(AuditEventRecord.id))) or 0


def lock_system_chain(session: Session) -> None:
    """Serialise appends to the system chain (PostgreSQL advisory lock; SQLite's write lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242001)"))


# ---- people and documents ----
def user_by_name(session: Session, username: str) -> UserRecord | None:
    return session.scalars(select(UserRecord).where(UserRecord.username == username)).first()


def all_users(session: Session) -> Sequence[UserRecord]:
    return session.scalars(select(UserRecord).order_by(UserRecord.username)).all()


def party_access(session: Session, case_id: int) -> PartyAccessRecord | None:
    return session.get(PartyAccessRecord, case_id)


def documents_of_case(session: Session, case_id: int) -> Sequence[DocumentRecord]:
    return session.scalars(select(DocumentRecord).where(DocumentRecord.case_id == case_id)
                           .order_by(DocumentRecord.id)).all()




def mark_tasks(session: Session, case_id: int, task_ids: Iterable[str], **values) -> None:
    ids = list(task_ids)
    if ids:  # a Core statement: the ORM's bulk-update bookkeeping costs more than the update itself
        table = _TASK
        session.connection().execute(update(table).where(table.c.case_id == case_id, table.c.id.in_(ids))
                                     .values(**values))


__all__ = [name for name in dir() if not name.startswith("_") and name not in {"delete"}]


# ---- api ----
from sqlalchemy.orm import defer  # noqa: E402

from engine.store.records import DepartmentRecord  # noqa: E402


def department(session: Session, code: str) -> DepartmentRecord | None:
    return session.get(DepartmentRecord, code)


def party_documents(session: Session, case_id: int) -> Sequence[DocumentRecord]:
    """Documents served on the party of a case, without their bytes."""
    return session.scalars(select(DocumentRecord).options(defer(DocumentRecord.content))
                           .where(DocumentRecord.case_id == case_id, DocumentRecord.visible_to_party.is_(True))
                           .order_by(DocumentRecord.id)).all()


def document_of_case(session: Session, case_id: int, document_id: int) -> DocumentRecord | None:
    return session.scalars(select(DocumentRecord).where(DocumentRecord.case_id == case_id,
                                                        DocumentRecord.id == document_id)).first()


def custody(session: Session, document_id: int, *, lock: bool = False) -> EvidenceCustodyRecord | None:
    query = select(EvidenceCustodyRecord).where(EvidenceCustodyRecord.document_id == document_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def custody_of_case(session: Session, case_id: int) -> dict[int, EvidenceCustodyRecord]:
    """document id -> its custody record, for every document of the case that has one."""
    rows = session.scalars(select(EvidenceCustodyRecord).where(EvidenceCustodyRecord.case_id == case_id))
    return {row.document_id: row for row in rows}


def cited_evidence(session: Session, case_id: int) -> Sequence[DecisionEvidenceRecord]:
    return session.scalars(select(DecisionEvidenceRecord).where(DecisionEvidenceRecord.case_id == case_id)
                           .order_by(DecisionEvidenceRecord.id)).all()


def document_views_of_case(session: Session, case_id: int) -> Sequence[DocumentRecord]:
    """Every document of a case without its bytes (a list page never loads them)."""
    return session.scalars(select(DocumentRecord).options(defer(DocumentRecord.content))
                           .where(DocumentRecord.case_id == case_id).order_by(DocumentRecord.id)).all()


# ---- issued documents ----

def next_document_number(session: Session, *, agency: str, kind: str, year: int) -> int:
    """The next number of an agency's kind of document in a year, taken atomically (an upsert holding the row
    until commit): a rolled-back issue gives the number back, so numbers have no gaps and are never reused."""
    return int(session.execute(text(
        "INSERT INTO document_counter (agency, kind, year, last) VALUES (:agency, :kind, :year, 1) "
        "ON CONFLICT (agency, kind, year) DO UPDATE SET last = document_counter.last + 1 RETURNING last"),
        {"agency": agency, "kind": kind, "year": year}).scalar_one())


def issued_documents(session: Session, case_id: int) -> Sequence[DocumentRecord]:
    """A case's documents issued from templates, with their bytes, oldest first."""
    return session.scalars(select(DocumentRecord).where(DocumentRecord.case_id == case_id,
                                                        DocumentRecord.number.is_not(None))
                           .order_by(DocumentRecord.id)).all()
