"""Queries of migration plans: the cases a plan covers, the plan and its cases (docs/migration.md)."""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.records import CaseRecord, MigrationCaseRecord, MigrationPlanRecord

RUNNING = ("open", "suspended")


def case_ids_to_move(session: Session, version_id: int, case_filter: dict[str, Any]) -> list[int]:
    """Running cases on the version that the filter picks: all, case numbers, a stage or a department."""
    query = select(CaseRecord.id).where(CaseRecord.procedure_version_id == version_id,
                                        CaseRecord.status.in_(RUNNING))
    if case_filter.get("cases"):
        query = query.where(CaseRecord.case_no.in_([str(c) for c in case_filter["cases"]]))
    if case_filter.get("stage"):
        query = query.where(CaseRecord.stage == case_filter["stage"])
    if case_filter.get("department"):
        query = query.where(CaseRecord.department == case_filter["department"])
    return list(session.scalars(query.order_by(CaseRecord.id)))


def plan(session: Session, plan_id: int, *, lock: bool = False) -> MigrationPlanRecord | None:
    query = select(MigrationPlanRecord).where(MigrationPlanRecord.id == plan_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def plans(session: Session, *, procedure_key: str | None = None) -> Sequence[MigrationPlanRecord]:
    query = select(MigrationPlanRecord).order_by(MigrationPlanRecord.id.desc())
    if procedure_key:
        query = query.where(MigrationPlanRecord.procedure_key == procedure_key)
    return session.scalars(query).all()


def plan_cases(session: Session, plan_id: int) -> Sequence[MigrationCaseRecord]:
    return session.scalars(select(MigrationCaseRecord).where(MigrationCaseRecord.plan_id == plan_id)
                           .order_by(MigrationCaseRecord.case_id)).all()


def plan_case(session: Session, plan_id: int, case_id: int) -> MigrationCaseRecord | None:
    return session.scalars(select(MigrationCaseRecord).where(MigrationCaseRecord.plan_id == plan_id,
                                                             MigrationCaseRecord.case_id == case_id)).first()


def case_numbers(session: Session, case_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(CaseRecord.id, CaseRecord.case_no).where(CaseRecord.id.in_(case_ids)))
    return {row[0]: row[1] for row in rows}


def case_departments(session: Session, plan_id: int) -> set[str]:
    """The responsible departments of the cases a plan covers."""
    query = select(CaseRecord.department).join(MigrationCaseRecord, MigrationCaseRecord.case_id == CaseRecord.id) \
        .where(MigrationCaseRecord.plan_id == plan_id).distinct()
    return set(session.scalars(query))
