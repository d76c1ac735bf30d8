"""Queries of incidents: steps that could not run and wait for an admin."""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.store.records import IncidentRecord


def open_incident_for(session: Session, case_id: int, element_id: str | None, kind: str) -> IncidentRecord | None:
    """The open incident of this case for the same element and kind of step, if one is waiting already."""
    rows = session.scalars(select(IncidentRecord).where(IncidentRecord.case_id == case_id,
                                                        IncidentRecord.status == "open")).all()
    return next((r for r in rows if r.element_id == element_id and r.action.get("kind") == kind), None)


def incident(session: Session, incident_id: int, *, lock: bool = False) -> IncidentRecord | None:
    query = select(IncidentRecord).where(IncidentRecord.id == incident_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def incidents(session: Session, *, status: str | None = "open", case_id: int | None = None,
              departments: Sequence[str] | None = None, after_id: int | None = None,
              limit: int = 100) -> Sequence[IncidentRecord]:
    """Newest first, by keyset (after_id) rather than OFFSET."""
    from engine.store.records import CaseRecord

    query = select(IncidentRecord).order_by(IncidentRecord.id.desc()).limit(limit)
    if status:
        query = query.where(IncidentRecord.status == status)
    if case_id is not None:
        query = query.where(IncidentRecord.case_id == case_id)
    if after_id is not None:
        query = query.where(IncidentRecord.id < after_id)
    if departments is not None:
        query = query.join(CaseRecord, CaseRecord.id == IncidentRecord.case_id).where(
            CaseRecord.department.in_(list(departments)))
    return session.scalars(query).all()


def count_attempt(session: Session, incident_id: int) -> None:
    session.execute(update(IncidentRecord).where(IncidentRecord.id == incident_id)
                    .values(attempts=IncidentRecord.attempts + 1))
