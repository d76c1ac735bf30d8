"""The audit log over HTTP: a case's hash-chained events, verification of the whole log, the checkpoint key."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentActor, RuntimeDep
from api.routers import CaseId, as_json, errors
from api.schemas import AuditEventView, AuditReportView, PublicKeyView
from engine.services import audit_trail, cases

router = APIRouter(tags=["audit"])


@router.get("/api/cases/{case_id}/audit", response_model=list[AuditEventView], responses=errors(401, 403, 404))
def case_audit(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    """The case's audit events with their hashes, oldest first."""
    return as_json(cases.case_audit(rt, case_id=case_id, actor=actor))


@router.get("/api/audit/verify", response_model=AuditReportView, responses=errors(401, 403, 422))
def verify(rt: RuntimeDep, actor: CurrentActor,
           case: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="verify one case only")] = None):
    """Recompute every hash chain (or one case's): `ok`, counts, and each problem found (auditors, admins)."""
    return as_json(cases.verify_audit(rt, actor=actor, case_id=case))


@router.get("/api/audit/public-key", response_model=PublicKeyView)
def public_key(rt: RuntimeDep):
    """The public key that signs audit checkpoints (Ed25519, hex): anyone may check a checkpoint with it."""
    return as_json(audit_trail.public_key(rt))
