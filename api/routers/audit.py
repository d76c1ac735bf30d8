"""The audit log over HTTP: a case's hash-chained events, verification of the whole log, the checkpoint key, and
the case file export that verifies offline."""
from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import CaseId, as_json, errors
from api.schemas import AuditEventView, AuditReportView, PublicKeyView
from engine.services import audit_trail, case_export, cases

router = APIRouter(tags=["audit"])


@router.get("/api/cases/{case_id}/audit", response_model=list[AuditEventView], responses=errors(401, 403, 404))
def case_audit(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    """The case's audit events with their hashes, oldest first."""
    return as_json(cases.case_audit(rt, case_id=case_id, actor=actor))


@router.get("/api/audit/verify", response_model=AuditReportView, responses=errors(401, 403, 422))
def verify(rt: RuntimeDep, actor: CurrentActor,
           case: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="verify one case only")] = None,
           since_checkpoint: Annotated[bool, Query(description="only what was written since the newest signed "
                                                               "checkpoint")] = False):
    """Recompute every hash chain (or one case's, or only what is new since the newest signed checkpoint): `ok`,
    counts, and each problem found (auditors, admins)."""
    return as_json(audit_trail.verify_audit(rt, actor=actor, case_id=case, since_checkpoint=since_checkpoint))


@router.get("/api/audit/public-key", response_model=PublicKeyView)
def public_key(rt: RuntimeDep):
    """The public key that signs audit checkpoints (Ed25519, hex): anyone may check a checkpoint with it."""
    return as_json(audit_trail.public_key(rt))


@router.get("/api/public/keys", response_model=PublicKeyView, tags=["public"])
def public_keys(rt: RuntimeDep):
    """The agency's checkpoint key (Ed25519, hex) and retired ones, for checking an exported case offline."""
    return as_json(audit_trail.public_key(rt))


def _export(rt, *, case_id: int, actor) -> tuple[str, object]:
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # large case files go to disk
    summary = case_export.export_case(rt, out=spool, actor=actor, case_id=case_id)
    spool.seek(0)
    return summary.case_no, spool


@router.get("/api/cases/{case_id}/export", response_class=StreamingResponse, responses={
    **errors(401, 403, 404), 200: {"content": {"application/zip": {}}}})
async def export(case_id: CaseId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The case file as one zip anyone can verify offline (docs/verify.md); auditors and admins. The export is
    recorded in the case's audit trail."""
    case_no, spool = await writes.run(_export, rt=rt, case_id=case_id, actor=actor)

    def chunks():
        with spool:
            while chunk := spool.read(1 << 16):
                yield chunk

    return StreamingResponse(chunks(), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="case-{case_no}.zip"'})
